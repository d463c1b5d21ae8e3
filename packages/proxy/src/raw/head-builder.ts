/**
 * Assembles a message head from ranges of received bytes and strings, into
 * one Buffer written with a single call: unchanged header lines are copied as
 * bytes (never decoded and re-encoded), added ones are latin1 like node's.
 */
export class HeadBuilder {
  readonly #bufs: (Buffer | string)[] = [];
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  #length = 0;

  raw(buf: Buffer, start: number, end: number): void {
    const n = this.#bufs.length;
    // Adjacent ranges of the same buffer merge into one copy.
    if (n > 0 && this.#bufs[n - 1] === buf && this.#ends[n - 1] === start) {
      this.#ends[n - 1] = end;
    } else {
      this.#bufs.push(buf);
      this.#starts.push(start);
      this.#ends.push(end);
    }
    this.#length += end - start;
  }

  /** A latin1 string (header text). */
  str(s: string): void {
    this.#bufs.push(s);
    this.#starts.push(0);
    this.#ends.push(s.length);
    this.#length += s.length;
  }

  get length(): number {
    return this.#length;
  }

  /** The head, with `extra` bytes reserved after it (filled by the caller). */
  build(extra = 0): Buffer {
    const out = Buffer.allocUnsafe(this.#length + extra);
    let at = 0;
    for (let i = 0; i < this.#bufs.length; i++) {
      const part = this.#bufs[i] as Buffer | string;
      if (typeof part === 'string') at += out.write(part, at, 'latin1');
      else at += part.copy(out, at, this.#starts[i], this.#ends[i]);
    }
    return out;
  }
}
