import * as grpc from '@grpc/grpc-js';

/** Messages are raw bytes: the tests need no protobuf to see which backend answered. */
const bytes = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

export const echoService = {
  Unary: { path: '/test.Echo/Unary', requestStream: false, responseStream: false, ...bytes },
  Fetch: { path: '/test.Echo/Fetch', requestStream: false, responseStream: false, ...bytes },
  Slow: { path: '/test.Echo/Slow', requestStream: false, responseStream: false, ...bytes },
  Watch: { path: '/test.Echo/Watch', requestStream: false, responseStream: true, ...bytes },
} satisfies grpc.ServiceDefinition;

const healthService = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    ...bytes,
  },
} satisfies grpc.ServiceDefinition;

export const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');
export type EchoClientT = InstanceType<typeof EchoClient>;

export interface GrpcBackend {
  name: string;
  port: number;
  url: string;
  /** Calls seen, by method path. */
  calls: string[];
  /** Calls cancelled before they were answered. */
  cancelled: number;
  /** What the health service answers (SERVING by default). */
  serving: boolean;
  kill(): void;
  close(): Promise<void>;
}

/**
 * A grpc-js server answering as `name`: Unary and Fetch echo `name:request`
 * (a request "fail" gets NOT_FOUND), Slow never answers, Watch streams
 * `name:0..n-1` (n = the request as a number) and ends with an `x-last`
 * trailer; the standard health service answers per `serving`. With
 * `servedBy`, the response metadata names the instance (x-served-by), as the
 * API instances do.
 */
export async function startGrpcBackend(
  name: string,
  opts: { servedBy?: boolean; port?: number } = {},
): Promise<GrpcBackend> {
  const server = new grpc.Server();
  const b: GrpcBackend = {
    name,
    port: 0,
    url: '',
    calls: [],
    cancelled: 0,
    serving: true,
    kill: () => server.forceShutdown(),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 200).unref();
      }),
  };
  const meta = (): grpc.Metadata => {
    const m = new grpc.Metadata();
    m.set('x-backend', name);
    if (opts.servedBy) m.set('x-served-by', name);
    return m;
  };
  const unary: grpc.handleUnaryCall<Buffer, Buffer> = (call, cb) => {
    b.calls.push(call.getPath());
    call.sendMetadata(meta());
    if (call.request.toString() === 'fail') {
      cb({ code: grpc.status.NOT_FOUND, details: `no such thing at ${name}` });
      return;
    }
    cb(null, Buffer.from(`${name}:${call.request.toString()}`));
  };
  server.addService(echoService, {
    Unary: unary,
    Fetch: unary,
    Slow: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => {
      b.calls.push(call.getPath());
      call.on('cancelled', () => b.cancelled++);
    },
    Watch: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      b.calls.push(call.getPath());
      call.sendMetadata(meta());
      const n = Number(call.request.toString());
      for (let i = 0; i < n; i++) call.write(Buffer.from(`${name}:${i}`));
      const trailer = new grpc.Metadata();
      trailer.set('x-last', String(n - 1));
      call.end(trailer);
    },
  });
  server.addService(healthService, {
    Check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
      cb(null, Buffer.from([0x08, b.serving ? 1 : 2])),
  });
  b.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `127.0.0.1:${opts.port ?? 0}`,
      grpc.ServerCredentials.createInsecure(),
      (err, port) => (err ? reject(err) : resolve(port)),
    ),
  );
  b.url = `http://127.0.0.1:${b.port}`;
  return b;
}

export function echoClient(port: number): EchoClientT {
  return new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

export interface UnaryResult {
  body: string;
  headers: grpc.Metadata;
}

/** A unary call; rejects with the ServiceError (code, details, metadata). */
export function unary(
  client: EchoClientT,
  method: 'Unary' | 'Fetch' | 'Slow',
  request: string,
  options: grpc.CallOptions = {},
): Promise<UnaryResult> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    const fn = client[method] as unknown as (
      req: Buffer,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: Buffer) => void,
    ) => grpc.ClientUnaryCall;
    const call = fn.call(client, Buffer.from(request), new grpc.Metadata(), options, (err, res) => {
      if (err) reject(err);
      else resolve({ body: (res as Buffer).toString(), headers });
    });
    call.on('metadata', (m: grpc.Metadata) => (headers = m));
  });
}

export { grpc };
