import { latin1 } from './chars.js';
import { FIELDS, type FieldTable } from './field-table.js';

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

  /**
   * Header `i` of a parsed head: its line copied as received when it is already
   * in the form we write (`name: value`, one space, nothing trailing), else
   * rewritten as `name: value` with the trimmed value.
   */
  field(head: FieldTable & { buf: Buffer; end: number }, i: number): void {
    const buf = head.buf;
    const f = head.fields;
    const o = i * FIELDS;
    const s = f[o]!;
    const ne = f[o + 1]!;
    const vs = f[o + 2]!;
    const ve = f[o + 3]!;
    const lineEnd = i + 1 < head.count ? f[o + FIELDS]! - 2 : head.end - 4;
    if (vs === ne + 2 && buf[ne + 1] === 32 && ve === lineEnd) this.raw(buf, s, lineEnd + 2);
    else {
      this.raw(buf, s, ne);
      this.str(`: ${latin1(buf, vs, ve)}\r\n`);
    }
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
