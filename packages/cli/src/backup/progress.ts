/**
 * Progress of a backup or restore on a terminal: one line, rewritten at most
 * five times a second. Quiet when stderr is not a terminal (cron, CI, pipes).
 */
export class Progress {
  private last = 0;
  private table = '';
  private tableIndex = 0;
  private rows = 0;
  private bytes = 0;
  private readonly started = Date.now();

  constructor(
    private readonly verb: string,
    private readonly tableCount: number,
    private readonly totalRows: number,
    private readonly out: NodeJS.WritableStream | undefined,
  ) {}

  static forStderr(
    verb: string,
    tableCount: number,
    totalRows: number,
    force: boolean | undefined,
  ): Progress {
    const on = force ?? process.stderr.isTTY === true;
    return new Progress(verb, tableCount, totalRows, on ? process.stderr : undefined);
  }

  startTable(name: string): void {
    this.table = name;
    this.tableIndex++;
    this.render(true);
  }

  add(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
    this.render(false);
  }

  done(): void {
    if (!this.out) return;
    this.render(true);
    const s = ((Date.now() - this.started) / 1000).toFixed(1);
    this.out.write(`\n${this.verb}: done in ${s} s\n`);
  }

  private render(force: boolean): void {
    if (!this.out) return;
    const now = Date.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    const pct = this.totalRows ? Math.floor((100 * this.rows) / this.totalRows) : 100;
    const mb = (this.bytes / 1048576).toFixed(1);
    this.out.write(
      `\r${this.verb}: table ${this.tableIndex}/${this.tableCount} ${this.table.padEnd(18)} ` +
        `${this.rows}/${this.totalRows} rows (${pct}%), ${mb} MB\x1b[K`,
    );
  }
}

/** Rows in a chunk of COPY text: one per newline (newlines inside values are escaped). */
export function countLines(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}
