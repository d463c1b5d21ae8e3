import { CR, HTAB, LF, SP, TOKEN, VALUE } from './chars.js';

/** Receives the data of a chunked body, as ranges of the buffers fed in. */
export interface ChunkSink {
  chunkData(buf: Buffer, start: number, end: number): void;
}

const SIZE = 0;
const SIZE_LF = 1;
const EXT_BWS = 2; // after the size or a complete extension: BWS, ';' or CR
const EXT_NAME_START = 3;
const EXT_NAME = 4;
const EXT_EQ_BWS = 5; // after a name: BWS, '=', ';' or CR
const EXT_VALUE_START = 6;
const EXT_TOKEN = 7;
const EXT_QUOTED = 8;
const EXT_QUOTED_ESC = 9;
const DATA = 10;
const DATA_CR = 11;
const DATA_LF = 12;
const TRAILER_START = 13;
const TRAILER_NAME = 14;
const TRAILER_VALUE = 15;
const TRAILER_LF = 16;
const END_LF = 17;
const DONE = 18;
const FAILED = 19;
const SIZE_BWS = 20; // whitespace after the size: only before an extension

/** Longest chunk-size we accept (hex digits): 2^48 bytes is far beyond any real chunk. */
const MAX_SIZE_DIGITS = 12;
/** Chunk extensions per chunk and trailer section, in bytes (node allows 16 KiB of extensions). */
const MAX_EXT = 4096;
const MAX_TRAILERS = 8192;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * A strict decoder for `Transfer-Encoding: chunked` (RFC 9112 §7.1): hex sizes
 * (at most 12 digits), extensions as `;token[=token|quoted-string]` with
 * optional whitespace, CRLF everywhere (a bare LF is an error), trailers parsed
 * as header lines and dropped. Data is reported as ranges of the input; what
 * follows the body is left to the caller.
 */
export class ChunkedDecoder {
  #state = SIZE;
  #remaining = 0;
  #digits = 0;
  #ext = 0;
  #trailer = 0;
  /** Why decoding failed (an llhttp-style code), once feed() returned -2. */
  error = '';

  reset(): void {
    this.#state = SIZE;
    this.#remaining = 0;
    this.#digits = 0;
    this.#ext = 0;
    this.#trailer = 0;
    this.error = '';
  }

  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * Decodes `buf[start..end)`. Returns the index just past the body when it
   * ended in this range, -1 when more is needed, -2 on a framing error.
   */
  feed(buf: Buffer, start: number, end: number, sink: ChunkSink): number {
    let i = start;
    let state = this.#state;
    while (i < end) {
      if (state === DATA) {
        const n = Math.min(this.#remaining, end - i);
        sink.chunkData(buf, i, i + n);
        i += n;
        this.#remaining -= n;
        if (this.#remaining === 0) state = DATA_CR;
        continue;
      }
      const c = buf[i++]!;
      switch (state) {
        case SIZE: {
          const h = hexValue(c);
          if (h !== -1) {
            if (++this.#digits > MAX_SIZE_DIGITS) return this.#fail('HPE_INVALID_CHUNK_SIZE');
            this.#remaining = this.#remaining * 16 + h;
          } else if (this.#digits === 0) {
            return this.#fail('HPE_INVALID_CHUNK_SIZE');
          } else if (c === CR) state = SIZE_LF;
          else if (c === SP || c === HTAB) state = SIZE_BWS;
          else if (c === 0x3b /* ; */) state = EXT_NAME_START;
          else return this.#fail('HPE_INVALID_CHUNK_SIZE');
          break;
        }
        case SIZE_BWS:
          if (c === 0x3b) state = EXT_NAME_START;
          else if (c !== SP && c !== HTAB) return this.#fail('HPE_INVALID_CHUNK_SIZE');
          break;
        case SIZE_LF:
          if (c !== LF) return this.#fail('HPE_STRICT');
          this.#digits = 0;
          this.#ext = 0;
          state = this.#remaining === 0 ? TRAILER_START : DATA;
          break;
        case EXT_BWS:
          if (c === CR) state = SIZE_LF;
          else if (c === 0x3b) state = EXT_NAME_START;
          else if (c !== SP && c !== HTAB) return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          break;
        case EXT_NAME_START:
          if (TOKEN[c] === 1) state = EXT_NAME;
          else if (c !== SP && c !== HTAB) return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          break;
        case EXT_NAME:
          if (TOKEN[c] === 1) break;
          if (c === CR) state = SIZE_LF;
          else if (c === 0x3b) state = EXT_NAME_START;
          else if (c === 0x3d /* = */) state = EXT_VALUE_START;
          else if (c === SP || c === HTAB) state = EXT_EQ_BWS;
          else return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          break;
        case EXT_EQ_BWS:
          if (c === CR) state = SIZE_LF;
          else if (c === 0x3b) state = EXT_NAME_START;
          else if (c === 0x3d) state = EXT_VALUE_START;
          else if (c !== SP && c !== HTAB) return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          break;
        case EXT_VALUE_START:
          if (TOKEN[c] === 1) state = EXT_TOKEN;
          else if (c === 0x22 /* " */) state = EXT_QUOTED;
          else if (c !== SP && c !== HTAB) return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          break;
        case EXT_TOKEN:
          if (TOKEN[c] === 1) break;
          if (c === CR) state = SIZE_LF;
          else if (c === 0x3b) state = EXT_NAME_START;
          else if (c === SP || c === HTAB) state = EXT_BWS;
          else return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          break;
        case EXT_QUOTED:
          if (c === 0x22) state = EXT_BWS;
          else if (c === 0x5c /* \ */) state = EXT_QUOTED_ESC;
          else if (VALUE[c] === 0) return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          break;
        case EXT_QUOTED_ESC:
          if (VALUE[c] === 0) return this.#fail('HPE_INVALID_CHUNK_EXTENSIONS');
          state = EXT_QUOTED;
          break;
        case DATA_CR:
          if (c !== CR) return this.#fail('HPE_STRICT');
          state = DATA_LF;
          break;
        case DATA_LF:
          if (c !== LF) return this.#fail('HPE_STRICT');
          state = SIZE;
          break;
        case TRAILER_START:
          if (c === CR) state = END_LF;
          else if (TOKEN[c] === 1) state = TRAILER_NAME;
          else return this.#fail('HPE_INVALID_HEADER_TOKEN');
          break;
        case TRAILER_NAME:
          if (c === 0x3a /* : */) state = TRAILER_VALUE;
          else if (TOKEN[c] !== 1) return this.#fail('HPE_INVALID_HEADER_TOKEN');
          break;
        case TRAILER_VALUE:
          if (c === CR) state = TRAILER_LF;
          else if (VALUE[c] === 0) return this.#fail('HPE_INVALID_HEADER_TOKEN');
          break;
        case TRAILER_LF:
          if (c !== LF) return this.#fail('HPE_STRICT');
          state = TRAILER_START;
          break;
        case END_LF:
          if (c !== LF) return this.#fail('HPE_STRICT');
          this.#state = DONE;
          return i;
        default:
          return this.#fail('HPE_CLOSED_CONNECTION');
      }
      if (
        ((state >= EXT_BWS && state <= EXT_QUOTED_ESC) || state === SIZE_BWS) &&
        ++this.#ext > MAX_EXT
      )
        return this.#fail('HPE_CHUNK_EXTENSIONS_OVERFLOW');
      if (state >= TRAILER_START && state <= END_LF && ++this.#trailer > MAX_TRAILERS)
        return this.#fail('HPE_HEADER_OVERFLOW');
    }
    this.#state = state;
    return -1;
  }

  #fail(code: string): number {
    this.#state = FAILED;
    this.error = code;
    return -2;
  }
}
