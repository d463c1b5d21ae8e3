import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';

/**
 * Kysely over pg clients in pipeline mode (`pipeline: true`, pg ≥ 8.23): a
 * query is written to the socket at once, without waiting for the answers to
 * the ones before it. Kysely itself still awaits each statement; what saves
 * round trips is done here:
 *
 * - BEGIN is not sent on its own: it waits and goes out with the first
 *   statement of the transaction (a transaction that sends nothing sends no
 *   BEGIN, COMMIT or ROLLBACK either).
 * - `runPipelined` sends several statements in one network trip, and may end
 *   the transaction with COMMIT in the same trip (board-write.ts sends the
 *   event append and COMMIT together).
 *
 * Each statement keeps its own Sync, so a failed one aborts the transaction
 * as it would without pipelining: the statements after it fail with 25P02
 * and a COMMIT behind it rolls back. The first real error is the one thrown.
 */
/** Told of every statement's duration (metrics). */
export type QueryObserver = (ms: number, failed: boolean) => void;

export class PipelinedConnection implements DatabaseConnection {
  readonly #client: pg.PoolClient;
  readonly #observe: QueryObserver | undefined;
  /** The BEGIN not yet sent; it goes out with the next statement. */
  #pendingBegin: string | null = null;
  /** The transaction was committed by a pipeline (Kysely's COMMIT is then a no-op). */
  #ended = false;

  constructor(client: pg.PoolClient, observe: QueryObserver | undefined) {
    this.#client = client;
    this.#observe = observe;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const [result] = await this.pipeline<R>([query]);
    return result!;
  }

  // eslint-disable-next-line require-yield -- pipeline mode refuses cursors (pg keeps their portal open)
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on pipelined connections');
  }

  /** Sends the statements (after a pending BEGIN, before COMMIT if asked) in one trip. */
  async pipeline<R>(
    queries: readonly CompiledQuery[],
    options: { commit?: boolean } = {},
  ): Promise<QueryResult<R>[]> {
    const texts: { sql: string; parameters: readonly unknown[] }[] = [];
    const begin = this.#pendingBegin;
    if (begin !== null) texts.push({ sql: begin, parameters: [] });
    this.#pendingBegin = null;
    texts.push(...queries);
    if (options.commit) {
      texts.push({ sql: 'commit', parameters: [] });
      this.#ended = true;
    }
    const stream = (this.#client as unknown as { connection?: { stream?: NodeJS.WritableStream } })
      .connection?.stream;
    const corked = texts.length > 1 && stream !== undefined && 'cork' in stream;
    if (corked) (stream as unknown as { cork(): void }).cork();
    const started = performance.now();
    const sent = texts.map((t) => {
      const p = this.#client.query(t.sql, [...t.parameters]);
      if (this.#observe) {
        const observe = this.#observe;
        p.then(
          () => observe(performance.now() - started, false),
          () => observe(performance.now() - started, true),
        );
      }
      return p;
    });
    if (corked) (stream as unknown as { uncork(): void }).uncork();
    const settled = await Promise.allSettled(sent);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.map((s) => {
      const { command, rowCount, rows } = (s as PromiseFulfilledResult<pg.QueryResult>).value;
      return {
        numAffectedRows:
          command === 'INSERT' ||
          command === 'UPDATE' ||
          command === 'DELETE' ||
          command === 'MERGE'
            ? BigInt(rowCount ?? 0)
            : undefined,
        rows: (rows ?? []) as R[],
      };
    });
    if (options.commit) {
      // COMMIT of an aborted transaction answers ROLLBACK instead of failing.
      const tag = (settled.at(-1) as PromiseFulfilledResult<pg.QueryResult>).value.command;
      if (tag !== 'COMMIT') throw new Error(`transaction rolled back (server said ${tag})`);
      results.pop();
    }
    if (begin !== null) results.shift();
    return results;
  }

  begin(settings: TransactionSettings): void {
    let text = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      text = 'start transaction';
      if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) text += ` ${settings.accessMode}`;
    }
    this.#pendingBegin = text;
    this.#ended = false;
  }

  async end(command: 'commit' | 'rollback'): Promise<void> {
    const nothingSent = this.#pendingBegin !== null;
    const ended = this.#ended;
    this.#pendingBegin = null;
    this.#ended = false;
    if (nothingSent || ended) return;
    await this.executeQuery(CompiledQuery.raw(command));
  }

  release(): void {
    this.#pendingBegin = null;
    this.#ended = false;
    this.#client.release();
  }
}

export class PipelinedDriver implements Driver {
  readonly #pool: pg.Pool;
  readonly #observe: QueryObserver | undefined;
  readonly #connections = new WeakMap<pg.PoolClient, PipelinedConnection>();
  #destroyed = false;

  constructor(pool: pg.Pool, observe?: QueryObserver) {
    this.#pool = pool;
    this.#observe = observe;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<PipelinedConnection> {
    const client = await this.#pool.connect();
    let connection = this.#connections.get(client);
    if (!connection) {
      connection = new PipelinedConnection(client, this.#observe);
      this.#connections.set(client, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    (connection as PipelinedConnection).begin(settings);
  }

  async commitTransaction(connection: DatabaseConnection) {
    await (connection as PipelinedConnection).end('commit');
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    await (connection as PipelinedConnection).end('rollback');
  }

  async releaseConnection(connection: DatabaseConnection) {
    (connection as PipelinedConnection).release();
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await this.#pool.end();
  }
}

/** PostgresDialect with the pipelined driver (compiler, adapter and introspector unchanged). */
export class PipelinedPostgresDialect extends PostgresDialect {
  readonly #driver: () => Driver;

  constructor(pool: pg.Pool, observe?: QueryObserver) {
    super({ pool });
    this.#driver = () => new PipelinedDriver(pool, observe);
  }

  override createDriver(): Driver {
    return this.#driver();
  }
}

interface Executes {
  getExecutor(): {
    provideConnection<T>(fn: (connection: DatabaseConnection) => Promise<T>): Promise<T>;
  };
}

/**
 * Runs the statements in one network trip on the transaction's (or a pool)
 * connection; with `commit`, the transaction's COMMIT goes in the same trip
 * (only for the one who owns the transaction). On a connection of another
 * driver they run one after another and the commit is left to Kysely.
 */
export async function runPipelined(
  db: Executes,
  queries: readonly CompiledQuery[],
  options: { commit?: boolean } = {},
): Promise<QueryResult<Record<string, unknown>>[]> {
  return db.getExecutor().provideConnection(async (connection) => {
    if (connection instanceof PipelinedConnection) {
      return connection.pipeline<Record<string, unknown>>(queries, options);
    }
    const results: QueryResult<Record<string, unknown>>[] = [];
    for (const query of queries) results.push(await connection.executeQuery(query));
    return results;
  });
}
