import { sbError } from '@switchboard/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor.js';
import { resolveActor } from '../auth/resolve-actor.js';
import type { AppDeps } from '../app-deps.js';
import { clearSessionCookie, tokenOf } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** Routes anyone may call without a session. */
    public?: boolean;
  }
}

/** Resolves the request's actor from its token (or open mode's anonymous user). */
export function actorOfRequest(deps: AppDeps, request: FastifyRequest): Promise<Actor | null> {
  return resolveActor(
    { authMode: deps.config.authMode, anonymous: deps.anonymous, sessions: deps.sessions },
    tokenOf(request),
  );
}

export function authenticateHook(deps: AppDeps) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // No route (404, or 405 for a wrong method) is answered the same to everyone: routing comes first.
    if (request.routeOptions.config.public || request.is404 || !request.url.startsWith('/api/'))
      return;
    const actor = await actorOfRequest(deps, request);
    if (!actor) {
      // An invalid or expired token gets 401 and its cookie cleared, so the browser
      // stops sending a session that will never work again.
      if (tokenOf(request)) clearSessionCookie(request, reply);
      throw sbError('SB_ERR_UNAUTHENTICATED');
    }
    request.actor = actor;
  };
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw sbError('SB_ERR_UNAUTHENTICATED');
  return request.actor;
}
