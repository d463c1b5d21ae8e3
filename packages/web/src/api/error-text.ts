import { isApiError } from './http';

/** Error codes in words a user understands (the server's message is the fallback). */
const text: Record<string, string> = {
  SB_ERR_NETWORK: 'Can’t reach the server. Check your connection; we’ll keep trying.',
  SB_ERR_VALIDATION: 'Some fields need another look.',
  SB_ERR_MALFORMED_JSON: 'The app sent something the server could not read. Reload and retry.',
  SB_ERR_UNAUTHENTICATED: 'Your session has ended. Please sign in again.',
  SB_ERR_INVALID_CREDENTIALS: 'Wrong username or password.',
  SB_ERR_FORBIDDEN: 'Your role on this board does not allow that.',
  SB_ERR_NOT_FOUND: 'That no longer exists, or you no longer have access to it.',
  SB_ERR_ACCOUNTS_DISABLED: 'This server runs without accounts: everyone shares every board.',
  SB_ERR_VERSION_CONFLICT: 'Someone else changed this at the same time.',
  SB_ERR_USERNAME_TAKEN: 'That username is taken — pick another.',
  SB_ERR_ALREADY_MEMBER: 'That person is already a member of this board.',
  SB_ERR_LAST_OWNER: 'A board needs at least one owner. Make someone else owner first.',
  SB_ERR_COLUMN_NOT_EMPTY: 'The column still has tasks. Choose where they should go.',
  SB_ERR_WIP_LIMIT_REACHED:
    'That column is at its WIP limit. Finish something first, or raise the limit.',
  SB_ERR_BOARD_ARCHIVED: 'This board is archived and read-only. Unarchive it to make changes.',
  SB_ERR_PAYLOAD_TOO_LARGE: 'That is too large to save.',
  SB_ERR_UNKNOWN_COLUMN: 'That column no longer exists on this board.',
  SB_ERR_BAD_NEIGHBOUR: 'The cards around that spot moved meanwhile. Try again.',
  SB_ERR_NOT_A_MEMBER: 'Assignees must be members of the board.',
  SB_ERR_UNKNOWN_USER: 'No user has that username.',
  SB_ERR_RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  SB_ERR_INTERNAL: 'Something went wrong on the server. Try again.',
  SB_ERR_UNAVAILABLE: 'The service is briefly unavailable. Try again in a moment.',
  SB_ERR_NOT_AUTHOR: 'Only its author can change that comment.',
  SB_ERR_ARCHIVED: 'That card is archived: restore it first.',
  SB_ERR_NAME_TAKEN: 'That name is already used on this board.',
  SB_ERR_TOO_MANY: 'That is more than a board or card may hold.',
  SB_ERR_INVALID_FIELD_VALUE: 'That value does not fit the field.',
  SB_ERR_NO_SUCH_TASK_ITEM: 'That item is no longer in the text.',
  SB_ERR_NO_BACKEND: 'No backend is available right now. Try again in a moment.',
};

export function errorText(error: unknown): string {
  if (isApiError(error)) {
    if (error.code.startsWith('SB_ERR_HTTP_5')) return text.SB_ERR_UNAVAILABLE as string;
    return text[error.code] ?? error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** Field errors from SB_ERR_VALIDATION details.issues, keyed by the last path segment. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!isApiError(error, 'SB_ERR_VALIDATION')) return {};
  const issues = (error.details as { issues?: { path?: unknown; message?: unknown }[] } | undefined)
    ?.issues;
  const out: Record<string, string> = {};
  for (const issue of issues ?? []) {
    const path = Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? '');
    const parts = path.split('.').filter(Boolean);
    // "body.labels.0" → "labels": drop the request part, keep the field.
    if (['body', 'query', 'params', 'headers', 'request'].includes(parts[0] ?? '')) parts.shift();
    const field = parts[0] ?? '';
    if (field && !(field in out)) out[field] = String(issue.message ?? 'is invalid');
  }
  return out;
}
