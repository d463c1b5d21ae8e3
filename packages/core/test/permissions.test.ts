import { describe, expect, it } from 'vitest';
import {
  type Action,
  authorize,
  authorizeCommentDelete,
  authorizeCommentEdit,
  can,
  CodedError,
  type Role,
} from '../src/index.js';

const expected: Record<Action, Role[]> = {
  'board.read': ['owner', 'editor', 'viewer'],
  'board.rename': ['owner', 'editor'],
  'board.archive': ['owner'],
  'board.delete': ['owner'],
  'member.manage': ['owner'],
  'column.write': ['owner', 'editor'],
  'task.write': ['owner', 'editor'],
  'comment.write': ['owner', 'editor'],
  'comment.moderate': ['owner'],
  'label.manage': ['owner', 'editor'],
  'field.manage': ['owner', 'editor'],
  'trash.restore': ['owner', 'editor'],
  'trash.empty': ['owner'],
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

describe('comment permissions', () => {
  const code = (fn: () => void) => {
    try {
      fn();
      return 'ok';
    } catch (err) {
      return (err as CodedError).code;
    }
  };
  it('only the author edits, and only with write access', () => {
    expect(code(() => authorizeCommentEdit('editor', 5, 5))).toBe('ok');
    expect(code(() => authorizeCommentEdit('owner', 5, 6))).toBe('SB_ERR_NOT_AUTHOR');
    expect(code(() => authorizeCommentEdit('viewer', 5, 5))).toBe('SB_ERR_FORBIDDEN');
    expect(code(() => authorizeCommentEdit(null, 5, 5))).toBe('SB_ERR_NOT_FOUND');
  });
  it('authors delete their own; owners delete any', () => {
    expect(code(() => authorizeCommentDelete('editor', 5, 5))).toBe('ok');
    expect(code(() => authorizeCommentDelete('owner', 5, 6))).toBe('ok');
    expect(code(() => authorizeCommentDelete('editor', 5, 6))).toBe('SB_ERR_NOT_AUTHOR');
    expect(code(() => authorizeCommentDelete('viewer', 5, 5))).toBe('SB_ERR_FORBIDDEN');
  });
});
