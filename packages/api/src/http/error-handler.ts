import { CodedError, sbError } from '@switchboard/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { describeError, isConnectionError } from '../store/unreachable.js';

interface ValidationIssue {
  path: string;
  message: string;
  keys?: string[];
}

function validationIssues(err: FastifyError): ValidationIssue[] {
  const context = err.validationContext ?? 'request';
  return (err.validation ?? []).map((issue) => {
    const suffix = issue.instancePath.split('/').filter(Boolean).join('.');
    const params = issue.params as { keys?: unknown };
    const out: ValidationIssue = {
      path: suffix ? `${context}.${suffix}` : context,
      message: issue.message ?? 'is invalid',
    };
    if (Array.isArray(params.keys)) out.keys = params.keys.map(String);
    return out;
  });
}

/** What a 503 asks clients to wait: about one health-check round of the proxy in front. */
export const unavailableRetryAfterSeconds = 2;

/** Maps any error to a coded one. Bad input never becomes a 500. */
export function toCodedError(err: unknown): CodedError {
  if (err instanceof CodedError) return err;
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const issues = validationIssues(fe);
    const first = issues[0];
    return sbError(
      'SB_ERR_VALIDATION',
      first
        ? `${first.path}: ${first.message}${first.keys ? ` (${first.keys.join(', ')})` : ''}`
        : undefined,
      { issues },
    );
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sbError('SB_ERR_UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sbError('SB_ERR_PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return sbError('SB_ERR_MALFORMED_JSON');
  }
  if (err instanceof SyntaxError) {
    if (/prototype property/.test(err.message)) {
      return sbError(
        'SB_ERR_VALIDATION',
        'body: __proto__ and constructor.prototype keys are not allowed.',
        {
          issues: [
            { path: 'body', message: '__proto__ and constructor.prototype keys are not allowed' },
          ],
        },
      );
    }
    return sbError('SB_ERR_MALFORMED_JSON');
  }
  if (isConnectionError(err))
    return sbError('SB_ERR_UNAVAILABLE', 'The database is unreachable; retry shortly.', {
      retry_after: unavailableRetryAfterSeconds,
    });
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    return new CodedError('SB_ERR_BAD_REQUEST', status, fe.message || 'The request is malformed.');
  }
  return sbError('SB_ERR_INTERNAL');
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const coded = toCodedError(err);
  // A dependency being down is a state (the instance logs its changes), not a bug: no stack.
  if (coded.status === 503) request.log.info(`request failed: ${describeError(err)}`);
  else if (coded.status >= 500) request.log.error({ err }, 'request failed');
  const details = coded.details as { retry_after?: number } | undefined;
  if (coded.status === 429 || coded.status === 503) {
    void reply.header(
      'retry-after',
      String(details?.retry_after ?? (coded.status === 503 ? unavailableRetryAfterSeconds : 1)),
    );
  }
  void reply.code(coded.status).type('application/json; charset=utf-8').send(coded.toBody());
}
