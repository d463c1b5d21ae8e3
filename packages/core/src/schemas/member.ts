import { z } from 'zod';
import { roles } from '../permissions.js';
import { idSchema, timestampSchema } from './common.js';
import { usernameSchema } from './user.js';

export const roleSchema = z.enum(roles);

export const memberSchema = z.object({
  user_id: idSchema,
  username: z.string(),
  role: roleSchema,
  added_at: timestampSchema,
});
export type Member = z.infer<typeof memberSchema>;

export const addMemberSchema = z.strictObject({
  username: usernameSchema,
  role: roleSchema.default('editor'),
});
export type AddMemberInput = z.infer<typeof addMemberSchema>;

export const updateMemberSchema = z.strictObject({ role: roleSchema });
export type UpdateMemberInput = z.infer<typeof updateMemberSchema>;
