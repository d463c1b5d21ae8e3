/**
 * Write load: each writer creates cards in a loop through one proxy and
 * moves to the other when its proxy cannot be reached (a client with two
 * addresses for the front door). A 201 is an acknowledged write: it must be
 * in the database at the end. Everything else is a failed request, recorded
 * with what the client saw so the run can explain it.
 */
export interface AckedWrite {
  taskId: number;
  boardId: number;
  at: number;
}

export interface FailedWrite {
  at: number;
  /** e.g. "503 SB_UNAVAILABLE", "timeout", "ECONNREFUSED". */
  kind: string;
  proxy: string;
}

export interface WriteReport {
  attempted: number;
  /** Acknowledged writes by the instance that served them (X-Served-By). */
  servedBy: Record<string, number>;
  /** Mean latency of acknowledged writes by instance (ms). */
  meanMsBy: Record<string, number>;
  /** Latency of every acknowledged write (ms), in order. */
  latenciesMs: number[];
  acked: AckedWrite[];
  failed: FailedWrite[];
}

export interface WritersOptions {
  proxies: string[];
  boards: number[];
  writers: number;
  /** Pause between one writer's requests. */
  pauseMs?: number;
  timeoutMs?: number;
}

export class Writers {
  private running = false;
  private loops: Promise<void>[] = [];
  readonly report: WriteReport = {
    attempted: 0,
    servedBy: {},
    meanMsBy: {},
    latenciesMs: [],
    acked: [],
    failed: [],
  };

  constructor(private readonly options: WritersOptions) {}

  start(): void {
    this.running = true;
    for (let i = 0; i < this.options.writers; i++) this.loops.push(this.loop(i));
  }

  async stop(): Promise<WriteReport> {
    this.running = false;
    await Promise.all(this.loops);
    return this.report;
  }

  private async loop(index: number): Promise<void> {
    const { proxies, boards } = this.options;
    let proxyIndex = index % proxies.length;
    let n = 0;
    while (this.running) {
      const boardId = boards[(index + n) % boards.length]!;
      const proxy = proxies[proxyIndex]!;
      n++;
      this.report.attempted++;
      const sent = Date.now();
      try {
        const res = await fetch(`${proxy}/api/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ board_id: boardId, title: `w${index}-${n}` }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
        });
        const text = await res.text();
        if (res.status === 201) {
          const task = JSON.parse(text) as { id: number };
          this.report.acked.push({ taskId: task.id, boardId, at: Date.now() });
          const ms = Date.now() - sent;
          this.report.latenciesMs.push(ms);
          const by = res.headers.get('x-served-by') ?? '?';
          const n = (this.report.servedBy[by] ?? 0) + 1;
          this.report.servedBy[by] = n;
          this.report.meanMsBy[by] = ((this.report.meanMsBy[by] ?? 0) * (n - 1) + ms) / n;
        } else {
          let code = '';
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
          } catch {
            // not JSON
          }
          this.report.failed.push({ at: Date.now(), kind: `${res.status} ${code}`.trim(), proxy });
        }
      } catch (err) {
        const kind = errorKind(err);
        this.report.failed.push({ at: Date.now(), kind, proxy });
        // The proxy itself did not answer: try the other address next time.
        proxyIndex = (proxyIndex + 1) % proxies.length;
      }
      await new Promise((r) => setTimeout(r, this.options.pauseMs ?? 25));
    }
  }
}

function errorKind(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (err instanceof Error ? err.message : String(err));
}
