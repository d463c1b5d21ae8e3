import { limits } from '@switchboard/core';
import { bearerToken } from '../auth/resolve-actor.js';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const sessionCookieName = 'sb_session';

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
): void {
  void reply.setCookie(sessionCookieName, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: limits.sessionSeconds,
    secure: request.protocol === 'https',
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(sessionCookieName, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: request.protocol === 'https',
  });
}

/** The session token of a request: `Authorization: Bearer …` first, else the cookie. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const bearer = bearerToken(request.headers.authorization);
  if (bearer) return bearer;
  return request.cookies[sessionCookieName] || undefined;
}
