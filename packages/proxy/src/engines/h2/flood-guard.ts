import { constants, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';

const { NGHTTP2_ENHANCE_YOUR_CALM } = constants;

export type FloodKind = 'rapid_reset' | 'settings' | 'ping' | 'headers';

export interface FloodLimits {
  /** ms */
  window: number;
  resets: number;
  settings: number;
  pings: number;
}

/**
 * Cheap-to-send, costly-to-serve frames counted per client connection per
 * window: streams the client resets (rapid reset, CVE-2023-44487), SETTINGS
 * and PING frames (each forces an ACK). Over a limit the connection gets
 * GOAWAY ENHANCE_YOUR_CALM and is closed. Header blocks are bounded by
 * `max_header_list_size`: nghttp2 refuses a block over it however many
 * CONTINUATION frames carry it (CVE-2024-27316) and the session ends; that
 * ending is counted here too.
 */
export class FloodGuard {
  readonly #limits: () => FloodLimits;
  readonly #flooded: (kind: FloodKind) => void;

  constructor(limits: () => FloodLimits, flooded: (kind: FloodKind) => void) {
    this.#limits = limits;
    this.#flooded = flooded;
  }

  watch(session: ServerHttp2Session): void {
    const counts = { start: 0, resets: 0, settings: 0, pings: 0 };
    let closed = false;
    const over = (kind: FloodKind): void => {
      if (closed) return;
      closed = true;
      this.#flooded(kind);
      // A number: the GOAWAY carries it (destroy(undefined, code) would send NO_ERROR).
      (session.destroy as unknown as (code: number) => void)(NGHTTP2_ENHANCE_YOUR_CALM);
    };
    const bump = (field: 'resets' | 'settings' | 'pings', kind: FloodKind): void => {
      const l = this.#limits();
      const now = performance.now();
      if (now - counts.start > l.window) {
        counts.start = now;
        counts.resets = 0;
        counts.settings = 0;
        counts.pings = 0;
      }
      const max = field === 'resets' ? l.resets : field === 'settings' ? l.settings : l.pings;
      if (++counts[field] > max) over(kind);
    };
    session.on('stream', (stream: ServerHttp2Stream) => {
      stream.once('aborted', () => bump('resets', 'rapid_reset'));
    });
    session.on('remoteSettings', () => bump('settings', 'settings'));
    session.on('ping', () => bump('pings', 'ping'));
    session.on('error', (e: Error & { code?: string }) => {
      // nghttp2 ended the session over a header block (too large, CONTINUATION flood).
      if (!closed && /HEADER|COMPRESSION|CONTINUATION/i.test(`${e.code} ${e.message}`)) {
        closed = true;
        this.#flooded('headers');
      }
    });
  }
}
