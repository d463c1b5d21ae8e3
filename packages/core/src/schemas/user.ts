import { z } from 'zod';
import { limits } from '../limits.js';
import { idSchema, timestampSchema } from './common.js';

export const usernameSchema = z
  .string()
  .min(limits.usernameMin)
  .max(limits.usernameMax)
  .regex(/^[a-zA-Z0-9_.-]+$/, 'letters, digits, dot, dash and underscore only');

export const passwordSchema = z.string().min(limits.passwordMin).max(limits.passwordMax);

export const userSchema = z.object({
  id: idSchema,
  username: z.string(),
  created_at: timestampSchema,
});
export type User = z.infer<typeof userSchema>;

export const credentialsSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
});
export type Credentials = z.infer<typeof credentialsSchema>;

export const authResultSchema = z.object({ user: userSchema, token: z.string() });
export type AuthResult = z.infer<typeof authResultSchema>;

export const meSchema = z.object({
  user: userSchema,
  auth_mode: z.enum(['accounts', 'open']),
});
export type Me = z.infer<typeof meSchema>;

/** `GET /api/auth/session`: who is signed in, if anyone (signed out is an answer, not a 401). */
export const sessionInfoSchema = z.object({
  user: userSchema.nullable(),
  auth_mode: meSchema.shape.auth_mode,
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;
