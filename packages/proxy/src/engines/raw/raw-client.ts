import type { Socket } from 'node:net';
import type { CodedError } from '../../errors.js';
import type { ClientResponder } from '../../request/exchange.js';

/** Where a request's body goes, and who hears about its client. */
export interface RequestSink {
  /** false: stop reading from the client until `resumeBody()`. */
  bodyData(chunk: Buffer): boolean;
  bodyEnd(): void;
  /** The request cannot be read to its end (bad chunking, timeout): answer if possible, abort. */
  bodyError(err: CodedError): void;
  clientClosed(): void;
  clientDrain(): void;
  /** Upstream timeouts, checked by the listener's sweep. */
  sweep(now: number): void;
}

/**
 * A client connection on the raw engine, as its request writer, response
 * relay and transport see it (and as the exchange's responder).
 */
export interface RawClient extends ClientResponder {
  readonly socket: Socket;
  readonly peerIp: string;
  /** The client wants the connection kept after the current response. */
  readonly keepAlive: boolean;
  readonly keepAliveTimeout: number;
  /** Stop (and resume) reading the request body: the upstream is not taking more. */
  pauseBody(): void;
  resumeBody(): void;
  /** The current request's response is complete; `close`: the connection ends with it. */
  responseDone(close: boolean): void;
  /** Cut the connection now. */
  destroy(): void;
}
