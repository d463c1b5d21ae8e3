/**
 * Coded errors. Every package keeps one registry (code → HTTP status and a
 * default message); bodies on the wire are always
 * `{"error": {"code", "message", "details"}}`. docs/errors.md lists every code
 * and a test keeps the two in step.
 */

export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
}

export type ErrorRegistry = Readonly<Record<string, ErrorSpec>>;

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class CodedError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, status: number, message: string, details?: unknown) {
    super(message);
    this.name = 'CodedError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

/** Returns a constructor bound to one registry, so codes are checked at compile time. */
export function errorFactory<R extends ErrorRegistry>(registry: R) {
  return (code: keyof R & string, message?: string, details?: unknown): CodedError => {
    const spec = registry[code];
    if (!spec) throw new Error(`unregistered error code ${code}`);
    return new CodedError(code, spec.status, message ?? spec.message, details);
  };
}

export function isCodedError(value: unknown): value is CodedError {
  return value instanceof CodedError;
}

/** The domain and API registry. The proxy keeps its own (packages/proxy). */
export const errorCatalog = {
  SB_ERR_VALIDATION: { status: 400, message: 'The request does not match the expected shape.' },
  SB_ERR_MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  SB_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  SB_ERR_UNAUTHENTICATED: { status: 401, message: 'Sign in to continue.' },
  SB_ERR_INVALID_CREDENTIALS: { status: 401, message: 'Wrong username or password.' },
  SB_ERR_FORBIDDEN: { status: 403, message: 'Your role on this board does not allow that.' },
  SB_ERR_NOT_FOUND: { status: 404, message: 'Not found.' },
  SB_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  SB_ERR_ACCOUNTS_DISABLED: {
    status: 404,
    message: 'Accounts are off (AUTH_MODE=open): everyone shares every board.',
  },
  SB_ERR_UNSPLASH_DISABLED: {
    status: 404,
    message: 'Unsplash photos are off on this server (no UNSPLASH_ACCESS_KEY).',
  },
  SB_ERR_UNSPLASH_PHOTO_NOT_FOUND: { status: 404, message: 'Unsplash has no such photo.' },
  SB_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route.' },
  SB_ERR_VERSION_CONFLICT: {
    status: 409,
    message: 'Someone changed this since you loaded it; details.current holds the latest.',
  },
  SB_ERR_USERNAME_TAKEN: { status: 409, message: 'That username is taken.' },
  SB_ERR_ALREADY_MEMBER: { status: 409, message: 'That user is already a member of this board.' },
  SB_ERR_LAST_OWNER: { status: 409, message: 'A board must keep at least one owner.' },
  SB_ERR_COLUMN_NOT_EMPTY: {
    status: 409,
    message: 'The column still holds tasks; pass move_to to move them to another column.',
  },
  SB_ERR_WIP_LIMIT_REACHED: { status: 409, message: 'The column is at its WIP limit.' },
  SB_ERR_BOARD_ARCHIVED: {
    status: 409,
    message: 'The board is archived and read-only; unarchive it first.',
  },
  SB_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  SB_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  SB_ERR_ATTACHMENT_TOO_LARGE: {
    status: 413,
    message: 'The file is larger than this server takes.',
  },
  SB_ERR_BOARD_QUOTA_EXCEEDED: {
    status: 413,
    message: 'The board’s files would go over its quota; remove some first.',
  },
  SB_ERR_UPLOAD_INCOMPLETE: {
    status: 400,
    message: 'The upload ended before the whole file arrived.',
  },
  SB_ERR_NOT_AN_IMAGE: {
    status: 422,
    message: 'Only an image attachment of the card can be its cover.',
  },
  SB_ERR_RANGE_NOT_SATISFIABLE: { status: 416, message: 'The range is outside the file.' },
  SB_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Send the body as application/json.',
  },
  SB_ERR_UPGRADE_REQUIRED: {
    status: 426,
    message: 'This endpoint speaks WebSocket: send an Upgrade: websocket request.',
  },
  SB_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  SB_ERR_UNKNOWN_COLUMN: { status: 422, message: 'That column does not belong to this board.' },
  SB_ERR_BAD_NEIGHBOUR: {
    status: 422,
    message: 'before_id/after_id must name other tasks (or columns) in the target column (board).',
  },
  SB_ERR_NOT_A_MEMBER: { status: 422, message: 'Assignees must be members of the board.' },
  SB_ERR_UNKNOWN_USER: { status: 422, message: 'No user has that username.' },
  SB_ERR_UNKNOWN_STATUS: {
    status: 422,
    message: 'No column of this board has that status (column name).',
  },
  SB_ERR_UNKNOWN_LABEL: { status: 422, message: 'That label is not one of this board’s labels.' },
  SB_ERR_UNKNOWN_FIELD: {
    status: 422,
    message: 'That custom field is not one of this board’s fields.',
  },
  SB_ERR_INVALID_FIELD_VALUE: {
    status: 422,
    message: 'The value does not fit the custom field’s type.',
  },
  SB_ERR_NO_SUCH_TASK_ITEM: {
    status: 422,
    message: 'The text has no Markdown task-list item with that index.',
  },
  SB_ERR_TOO_MANY: {
    status: 422,
    message: 'That would go over a limit (labels, fields, checklists or items).',
  },
  SB_ERR_NAME_TAKEN: {
    status: 409,
    message: 'The board already has a label or field with that name.',
  },
  SB_ERR_ARCHIVED: {
    status: 409,
    message: 'The card or column is archived; restore it first.',
  },
  SB_ERR_NOT_AUTHOR: {
    status: 403,
    message: 'Only its author may edit a comment (owners may delete any).',
  },
  SB_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.' },
  SB_ERR_UNSPLASH_RATE_LIMITED: {
    status: 429,
    message: 'Unsplash is limiting this server; retry later.',
  },
  SB_ERR_INTERNAL: { status: 500, message: 'Internal error.' },
  SB_ERR_UNAVAILABLE: { status: 503, message: 'A dependency is unavailable; retry shortly.' },
  SB_ERR_UNSPLASH_UNAVAILABLE: {
    status: 503,
    message: 'Unsplash did not answer properly; retry shortly.',
  },
  // WebSocket error frames (sent as {"type":"error","code","message"}; status is informative).
  SB_ERR_WS_BAD_MESSAGE: { status: 400, message: 'Malformed or unknown WebSocket message.' },
  SB_ERR_WS_TOO_MANY_SUBSCRIPTIONS: {
    status: 400,
    message: 'Too many board subscriptions on one connection.',
  },
  SB_ERR_WS_RATE_LIMITED: { status: 429, message: 'Too many WebSocket messages; slow down.' },
} as const satisfies ErrorRegistry;

export type ErrorCode = keyof typeof errorCatalog;

export const sbError = errorFactory(errorCatalog);
