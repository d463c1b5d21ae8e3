import {
  authResultSchema,
  credentialsSchema,
  meSchema,
  sbError,
  sessionInfoSchema,
} from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { Actor } from '../auth/actor.js';
import { actorOf, actorOfRequest } from '../http/authenticate.js';
import { clearSessionCookie, setSessionCookie, tokenOf } from '../http/session-cookie.js';
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
      // Every instance hears of it at once (see SessionVerifier) and closes the session's sockets.
      if (actor.sessionId) await deps.sessions.revoke(actor.sessionId);
      clearSessionCookie(request, reply);
      return reply.code(204).send();
    },
  );

  async function userOf(actor: Actor) {
    const created = actor.sharedAccess ? deps.anonymous.created_at : undefined;
    const row = created ? undefined : await findUserByUsername(db, actor.username);
    return {
      id: actor.id,
      username: actor.username,
      created_at: created ?? row?.created_at.toISOString() ?? new Date(0).toISOString(),
    };
  }

  r.get(
    '/api/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who am I',
        response: { 200: meSchema, 401: errorResponses[401] },
      },
    },
    async (request) => ({
      user: await userOf(actorOf(request)),
      auth_mode: deps.config.authMode,
    }),
  );

  // What a page asks before it knows whether anyone is signed in: being
  // signed out is an expected answer here, so it is a 200, not a 401 that
  // browsers log as an error.
  r.get(
    '/api/auth/session',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in, if anyone (user null when signed out)',
        response: { 200: sessionInfoSchema },
      },
    },
    async (request, reply) => {
      const actor = await actorOfRequest(deps, request);
      if (!actor && tokenOf(request)) clearSessionCookie(request, reply);
      return { user: actor ? await userOf(actor) : null, auth_mode: deps.config.authMode };
    },
  );
}
