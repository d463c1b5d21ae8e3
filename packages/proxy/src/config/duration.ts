import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "250ms", "5s", "5m", "1.5h" or a plain number of milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`not a duration: ${value}`);
  return Math.round(Number(m[1]) * (UNITS[m[2] as string] as number));
}

/** A zod duration: number of milliseconds or a string with a unit; output is milliseconds. */
export const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(/^\d+(?:\.\d+)?(ms|s|m|h|d)$/, 'Expected a duration such as 500ms, 5s, 5m'),
  ])
  .transform((v) => parseDuration(v));

export interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:8081", "[::1]:8081", ":8081" or "8081" (all interfaces). */
export function parseListen(value: string | number): ListenAddress {
  if (typeof value === 'number') return { host: '0.0.0.0', port: value };
  const s = value.trim();
  let host = '0.0.0.0';
  let portText = s;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    host = v6[1] as string;
    portText = v6[2] as string;
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i) || '0.0.0.0';
    portText = s.slice(i + 1);
  }
  if (!/^\d+$/.test(portText)) throw new Error(`not a listen address: ${value}`);
  const port = Number(portText);
  if (port > 65535) throw new Error(`port out of range: ${value}`);
  return { host, port };
}

export const listenAddress = z
  .union([z.number().int().min(0).max(65535), z.string()])
  .transform((v, ctx): ListenAddress => {
    try {
      return parseListen(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });
