import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * An independent gRPC client (grpc-js, the .proto files loaded at run time,
 * as a client built from seed 001's file would be) for the API's services.
 */
export const protoRoot = fileURLToPath(new URL('../../../../proto', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic stubs from proto-loader
export type Stub = any;

export function loadService(file: string, service: string): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(file, {
    includeDirs: [protoRoot],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  let node: unknown = loaded;
  for (const part of service.split('.')) node = (node as Record<string, unknown>)[part];
  return node as grpc.ServiceClientConstructor;
}

export function client(file: string, service: string, address: string): Stub {
  const Client = loadService(file, service);
  return new Client(address, grpc.credentials.createInsecure());
}

export interface Reply<T> {
  value: T;
  metadata: grpc.Metadata;
}

/** A unary call as a promise; the response metadata is kept (x-served-by). */
export function call<T = Stub>(
  stub: Stub,
  method: string,
  request: object,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<Reply<T>> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    const c = stub[method](request, metadata, (err: grpc.ServiceError | null, value: T) => {
      if (err) reject(err);
      else resolve({ value, metadata: headers });
    });
    c.on('metadata', (m: grpc.Metadata) => (headers = m));
  });
}

/** The status code a call failed with (grpc.status.NOT_FOUND, …). */
export async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    return (err as grpc.ServiceError).code;
  }
  throw new Error('the call succeeded');
}

export function bearer(token: string): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
}

/** Collects a server stream's messages as they come, and how it ended. */
export class StreamReader<T = Stub> {
  readonly messages: T[] = [];
  readonly ended: Promise<grpc.StatusObject>;
  constructor(readonly stream: grpc.ClientReadableStream<T>) {
    stream.on('data', (m: T) => this.messages.push(m));
    this.ended = new Promise((resolve) => {
      stream.on('status', (s: grpc.StatusObject) => resolve(s));
      stream.on('error', () => {});
    });
  }
}

export { grpc };
