import { Code, ConnectError } from '@connectrpc/connect';
import { type CodedError, sbError } from '@switchboard/core';
import { z } from 'zod';
import { toCodedError } from '../http/error-handler.js';

/** Trailer naming the Switchboard error code behind a status (docs/errors.md). */
export const errorCodeTrailer = 'sb-error-code';

/** The gRPC status of a coded error: REST's HTTP status, said the gRPC way. */
export function grpcCode(coded: CodedError): Code {
  if (coded.code === 'SB_ERR_VERSION_CONFLICT') return Code.Aborted;
  switch (coded.status) {
    case 400:
    case 415:
    case 422:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 408:
      return Code.DeadlineExceeded;
    case 409:
      return Code.FailedPrecondition;
    case 413:
    case 429:
      return Code.ResourceExhausted;
    case 503:
      return Code.Unavailable;
    default:
      return coded.status >= 500 ? Code.Internal : Code.InvalidArgument;
  }
}

/** A zod failure of a request message: INVALID_ARGUMENT naming the field, as REST's 400 does. */
function validationError(err: z.ZodError): CodedError {
  const issue = err.issues[0];
  const path = issue?.path.join('.') ?? '';
  return sbError(
    'SB_ERR_VALIDATION',
    issue ? `${path ? `${path}: ` : ''}${issue.message}` : undefined,
  );
}

/**
 * Any error of a handler as a ConnectError: those already one pass; coded
 * errors (store, auth, validation) keep their meaning; only the unknown
 * become INTERNAL, with no detail leaked.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const coded = err instanceof z.ZodError ? validationError(err) : toCodedError(err);
  const code = grpcCode(coded);
  const trailer = new Headers({ [errorCodeTrailer]: coded.code });
  const message = code === Code.Internal ? 'Internal error.' : coded.message;
  return new ConnectError(message, code, trailer, undefined, err);
}
