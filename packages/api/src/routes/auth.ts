import { authResultSchema, credentialsSchema, meSchema, sbError } from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { actorOf } from '../http/authenticate.js';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie.js';
import { createSession, createUser, findUserByUsername } from '../store/users.js';
import { type App, errorResponses, typed } from './helpers.js';

export function authRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db, tokens, authLimits } = deps;

  function refuseInOpenMode() {
    if (deps.config.authMode === 'open') {
      throw sbError('SB_ERR_ACCOUNTS_DISABLED');
    }
  }

  async function startSession(userId: number, username: string) {
    const issued = await tokens.issue(userId, username);
    await createSession(db, userId, issued.sessionId, issued.expiresAt);
    return issued.token;
  }

  r.post(
    '/api/auth/register',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in (sets the session cookie)',
        body: credentialsSchema,
        response: { 201: authResultSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      refuseInOpenMode();
      await authLimits.beforeRegister(request.ip);
      const { username, password } = request.body;
      if (await findUserByUsername(db, username)) {
        throw sbError('SB_ERR_USERNAME_TAKEN', undefined, { username });
      }
      const user = await createUser(db, username, await hashPassword(password));
      const token = await startSession(user.id, user.username);
      setSessionCookie(request, reply, token);
      return reply.code(201).send({ user, token });
    },
  );

  r.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in (sets the session cookie)',
        body: credentialsSchema,
        response: { 200: authResultSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      refuseInOpenMode();
      const { username, password } = request.body;
      await authLimits.beforeLogin(request.ip, username);
      const row = await findUserByUsername(db, username);
      const ok = await verifyPassword(row?.password_hash ?? null, password);
      if (!row || !ok) {
        await authLimits.loginFailed(request.ip, username);
        throw sbError('SB_ERR_INVALID_CREDENTIALS');
      }
      await authLimits.loginSucceeded(request.ip, username);
      const token = await startSession(row.id, row.username);
      setSessionCookie(request, reply, token);
      return {
        user: { id: row.id, username: row.username, created_at: row.created_at.toISOString() },
        token,
      };
    },
  );

  r.post(
    '/api/auth/logout',
    {
      schema: { tags: ['auth'], summary: 'End this session (the token stops working everywhere)' },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (actor.sessionId) {
        await deps.sessions.revoke(actor.sessionId);
        deps.realtime?.sessionEnded(actor.sessionId);
      }
      clearSessionCookie(request, reply);
      return reply.code(204).send();
    },
  );

  r.get(
    '/api/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who am I',
        response: { 200: meSchema, 401: errorResponses[401] },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const created = actor.sharedAccess ? deps.anonymous.created_at : undefined;
      const row = created ? undefined : await findUserByUsername(db, actor.username);
      return {
        user: {
          id: actor.id,
          username: actor.username,
          created_at: created ?? row?.created_at.toISOString() ?? new Date(0).toISOString(),
        },
        auth_mode: deps.config.authMode,
      };
    },
  );
}
