import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { formatPath } from '../config/load.js';
import { proxyError } from '../errors.js';

const MAX_BODY = 64 * 1024;

/** Reads a small JSON body; coded 400/413 for anything else. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  return parseJsonText(await readText(req));
}

/** Reads a small body as text; coded 413 past 64 KiB. */
export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw proxyError('SB_ERR_PAYLOAD_TOO_LARGE', undefined, { max: MAX_BODY });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonText(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw proxyError('SB_ERR_MALFORMED_JSON');
  }
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw proxyError('SB_ERR_VALIDATION', issues.join('; '), { issues });
}
