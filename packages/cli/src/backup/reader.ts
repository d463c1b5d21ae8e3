import { BackupError } from './errors.js';

/**
 * Reads lines and exact byte counts from a stream of chunks (the gunzipped
 * file), holding no more than one chunk plus what was asked for.
 */
export class ChunkReader {
  private buffered: Buffer[] = [];
  private size = 0;
  private done = false;
  private readonly source: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buffered.push(next.value);
    this.size += next.value.length;
    return true;
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length ? [rest] : [];
    this.size = rest.length;
    return out;
  }

  /** Exactly n bytes; a file that ends first is truncated. */
  async exactly(n: number): Promise<Buffer> {
    while (this.size < n) {
      if (!(await this.fill()))
        throw new BackupError('SB_BACKUP_CORRUPT', 'the file ends early (truncated)');
    }
    return this.take(n);
  }

  /** One line without its newline, at most `max` bytes long. */
  async line(max: number): Promise<string> {
    for (;;) {
      const joined = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      this.buffered = joined.length ? [joined] : [];
      const at = joined.indexOf(10);
      if (at !== -1 && at <= max)
        return this.take(at + 1)
          .subarray(0, at)
          .toString('utf8');
      if (joined.length > max)
        throw new BackupError('SB_BACKUP_CORRUPT', 'a header line is too long');
      if (!(await this.fill()))
        throw new BackupError('SB_BACKUP_CORRUPT', 'the file ends early (truncated)');
    }
  }

  /** Whether anything follows (a valid file has nothing after its trailer). */
  async atEnd(): Promise<boolean> {
    while (this.size === 0) if (!(await this.fill())) return true;
    return false;
  }
}
