/**
 * Writers that POST tasks through the product without pause while a test
 * breaks something: which statuses came back, which writes were acknowledged
 * (201), when the first acknowledgement after the break came, and whether
 * every acknowledged write is still there afterwards.
 */
export interface WriteStreamResult {
  statuses: Record<string, number>;
  acknowledged: string[];
  /** ms from `markBreak()` to the first 201 of a request sent after it (undefined: never). */
  recoveredAfterMs: number | undefined;
}

export class WriteStream {
  readonly statuses: Record<string, number> = {};
  readonly acknowledged: string[] = [];
  private brokeAt = 0;
  private backAt = 0;
  private stopping = false;
  private readonly writers: Promise<void>[];

  constructor(
    private readonly url: string,
    private readonly boardId: number,
    writers = 3,
    private readonly headers: Record<string, string> = {},
  ) {
    this.writers = Array.from({ length: writers }, (_, w) => this.write(w));
  }

  /** The moment something was broken (a kill, a stop). */
  markBreak(): void {
    this.brokeAt = Date.now();
    this.backAt = 0;
  }

  get recovered(): boolean {
    return this.backAt > 0;
  }

  async stop(): Promise<WriteStreamResult> {
    this.stopping = true;
    await Promise.all(this.writers);
    return {
      statuses: this.statuses,
      acknowledged: this.acknowledged,
      recoveredAfterMs: this.backAt ? this.backAt - this.brokeAt : undefined,
    };
  }

  /** Titles of the board's tasks, every page. */
  async titles(): Promise<Set<string>> {
    const titles = new Set<string>();
    for (let page = 1; page < 1_000; page++) {
      const res = await fetch(
        `${this.url}/api/tasks?board_id=${this.boardId}&page_size=200&page=${page}`,
        { headers: this.headers },
      );
      if (res.status !== 200) throw new Error(`listing tasks: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { tasks: { title: string }[] };
      for (const task of body.tasks) titles.add(task.title);
      if (body.tasks.length < 200) break;
    }
    return titles;
  }

  private async write(w: number): Promise<void> {
    for (let i = 0; !this.stopping && i < 100_000; i++) {
      const title = `w${w}-${i}`;
      const sentAt = Date.now();
      let status: string;
      try {
        const res = await fetch(`${this.url}/api/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.headers },
          body: JSON.stringify({ board_id: this.boardId, title }),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json().catch(() => undefined)) as
          { error?: { code?: string } } | undefined;
        status = res.status === 201 ? '201' : `${res.status} ${body?.error?.code ?? ''}`.trim();
        if (res.status === 201) {
          this.acknowledged.push(title);
          if (this.brokeAt && sentAt > this.brokeAt && !this.backAt) this.backAt = Date.now();
        }
      } catch (err) {
        status = `fetch failed: ${(err as Error).message}`;
      }
      this.statuses[status] = (this.statuses[status] ?? 0) + 1;
      if (status !== '201') await new Promise((r) => setTimeout(r, 100));
    }
  }
}
