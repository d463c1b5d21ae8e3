import type { CodedError } from '../../errors.js';

/** gRPC status codes the proxy answers with (grpc/doc/statuscodes.md). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * The gRPC status of one of the proxy's own answers. Codes follow gRPC's
 * mapping of HTTP statuses to gRPC (doc/http-grpc-status-mapping.md), made
 * finer where the proxy knows more: a deadline is DEADLINE_EXCEEDED, a
 * request that may have been applied is UNKNOWN (never retried blindly).
 */
export function grpcStatusOf(err: CodedError): number {
  switch (err.code) {
    case 'SB_ERR_DEADLINE_EXCEEDED':
    case 'SB_ERR_GATEWAY_TIMEOUT':
      return GrpcStatus.DEADLINE_EXCEEDED;
    case 'SB_ERR_OUTCOME_UNKNOWN':
      return GrpcStatus.UNKNOWN;
    case 'SB_ERR_RATE_LIMITED':
    case 'SB_ERR_PAYLOAD_TOO_LARGE':
    case 'SB_ERR_HEADERS_TOO_LARGE':
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'SB_ERR_ROUTE_NOT_FOUND':
    case 'SB_ERR_NOT_FOUND':
      return GrpcStatus.UNIMPLEMENTED;
    case 'SB_ERR_UNAUTHENTICATED':
      return GrpcStatus.UNAUTHENTICATED;
    case 'SB_ERR_INTERNAL':
      return GrpcStatus.INTERNAL;
    default:
      return err.status >= 500 ? GrpcStatus.UNAVAILABLE : GrpcStatus.INTERNAL;
  }
}

/**
 * `grpc-message` is percent-encoded (gRPC over HTTP/2, "Responses"): only the
 * bytes outside printable ASCII and `%` itself, so `SB_ERR_X: text` arrives
 * as written (clients such as grpc-js decode with decodeURI, which leaves
 * `%3A` and the like as they are).
 */
export function grpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const UNIT_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/** A `grpc-timeout` header in ms (at least 1), or undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (m === null) return undefined;
  return Math.max(1, Math.ceil(Number(m[1]) * (UNIT_MS[m[2] as string] as number)));
}

/** Whether a request is a gRPC call (any `application/grpc` content type, +proto, +json, …). */
export function isGrpc(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.startsWith('application/grpc');
}
