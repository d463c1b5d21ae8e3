import { randomBytes } from 'node:crypto';
import { sbError, type User } from '@switchboard/core';
import { sql } from 'kysely';
import { type Db, pgCodes, pgErrorCode } from './db.js';
import { toUser, type UserRow } from './mappers.js';

export const anonymousUsername = 'anonymous';

export async function createUser(db: Db, username: string, passwordHash: string): Promise<User> {
  try {
    const row = await db
      .insertInto('users')
      .values({ username, password_hash: passwordHash })
      .returning(['id', 'username', 'created_at'])
      .executeTakeFirstOrThrow();
    return toUser(row);
  } catch (err) {
    if (pgErrorCode(err) === pgCodes.uniqueViolation) {
      throw sbError('SB_ERR_USERNAME_TAKEN', undefined, { username });
    }
    throw err;
  }
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
}

export async function anonymousUser(db: Db): Promise<User> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'username', 'created_at'])
    .where('username', '=', anonymousUsername)
    .where('password_hash', 'is', null)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function createSession(
  db: Db,
  userId: number,
  id: string,
  expiresAt: Date,
): Promise<void> {
  await db.insertInto('sessions').values({ id, user_id: userId, expires_at: expiresAt }).execute();
}

/** The session's user, if the session is live. */
export async function liveSessionUser(
  db: Db,
  sessionId: string,
): Promise<{ id: number; username: string } | undefined> {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.username'])
    .where('s.id', '=', sessionId)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/**
 * The token signing secret: JWT_SECRET when set, else one generated once and
 * kept in the database, so every instance on the database shares it.
 */
export async function signingSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await db
    .insertInto('settings')
    .values({ key: 'jwt_secret', value: randomBytes(48).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'jwt_secret')
    .executeTakeFirstOrThrow();
  return row.value;
}
