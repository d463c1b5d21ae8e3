import {
  addMemberSchema,
  idParamSchema,
  memberSchema,
  updateMemberSchema,
} from '@switchboard/core';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { addMember, listMembers, removeMember, updateMember } from '../store/members.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

const memberParams = z.strictObject({ id: idParamSchema, userId: idParamSchema });

export function memberRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['members'];

  r.get(
    '/api/boards/:id/members',
    {
      schema: {
        tags,
        summary: 'Members of a board with their roles',
        params: idParams,
        response: { 200: z.object({ members: z.array(memberSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ members: await listMembers(db, actorOf(request), request.params.id) }),
  );

  r.post(
    '/api/boards/:id/members',
    {
      schema: {
        tags,
        summary: 'Add a member by username (owners only)',
        params: idParams,
        body: addMemberSchema,
        response: { 201: memberSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const member = committed(
        deps,
        await addMember(db, actorOf(request), request.params.id, request.body),
      );
      return reply.code(201).send(member);
    },
  );

  r.patch(
    '/api/boards/:id/members/:userId',
    {
      schema: {
        tags,
        summary: 'Change a member’s role (owners only; a board keeps at least one owner)',
        params: memberParams,
        body: updateMemberSchema,
        response: { 200: memberSchema, ...errorResponses },
      },
    },
    async (request) =>
      committed(
        deps,
        await updateMember(
          db,
          actorOf(request),
          request.params.id,
          request.params.userId,
          request.body,
        ),
      ),
  );

  r.delete(
    '/api/boards/:id/members/:userId',
    {
      schema: {
        tags,
        summary: 'Remove a member (owners), or leave a board (yourself)',
        params: memberParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await removeMember(db, actorOf(request), request.params.id, request.params.userId),
      );
      return reply.code(204).send(null);
    },
  );
}
