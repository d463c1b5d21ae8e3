import { describe, expect, it } from 'vitest';
import { type Action, type Role, authorize, can, CodedError } from '../src/index.js';

const expected: Record<Action, Role[]> = {
  'board.read': ['owner', 'editor', 'viewer'],
  'board.rename': ['owner', 'editor'],
  'board.archive': ['owner'],
  'board.delete': ['owner'],
  'member.manage': ['owner'],
  'column.write': ['owner', 'editor'],
  'task.write': ['owner', 'editor'],
};

describe('permissions', () => {
  for (const [action, roles] of Object.entries(expected) as [Action, Role[]][]) {
    for (const role of ['owner', 'editor', 'viewer'] as const) {
      it(`${role} ${roles.includes(role) ? 'may' : 'may not'} ${action}`, () => {
        expect(can(role, action)).toBe(roles.includes(role));
        if (roles.includes(role)) expect(() => authorize(role, action)).not.toThrow();
        else
          expect(() => authorize(role, action)).toThrowError(
            expect.objectContaining({ status: 403 }),
          );
      });
    }
    it(`a non-member gets 404 for ${action}`, () => {
      expect(can(null, action)).toBe(false);
      try {
        authorize(null, action);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(CodedError);
        expect((err as CodedError).status).toBe(404);
        expect((err as CodedError).code).toBe('SB_ERR_NOT_FOUND');
      }
    });
  }
});
