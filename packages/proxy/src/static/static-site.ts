import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { constants as zc, createBrotliCompress, createGzip } from 'node:zlib';
import type { z } from 'zod';
import type { staticSchema } from '../config/schema.js';
import { refuse } from '../engines/node/refuse.js';
import { proxyError, sendError } from '../errors.js';
import { contentType, isCompressible } from './content-types.js';

type StaticConfig = z.output<typeof staticSchema>;
const MIN_COMPRESS = 1024;

interface Found {
  file: string;
  stats: Stats;
  spaFallback: boolean;
}

/**
 * Serves a directory (the web app's build): content types, validators and
 * 304s, precompressed .br/.gz siblings or on-the-fly compression for text,
 * a year's cache for hashed assets, and index.html for unknown extension-less
 * paths (SPA routes). Paths are confined to the root; dotfiles are hidden.
 */
export class StaticSite {
  readonly root: string;
  readonly #cfg: StaticConfig;
  readonly #immutable: RegExp;

  constructor(cfg: StaticConfig) {
    this.#cfg = cfg;
    this.root = path.resolve(cfg.root);
    this.#immutable = new RegExp(cfg.immutable_pattern);
  }

  async serve(req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, proxyError('SB_ERR_METHOD_NOT_ALLOWED'), { allow: 'GET, HEAD' });
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      refuse(res, 'path encoding', 'Malformed percent-encoding in path.');
      return;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) {
      refuse(res, 'path characters', 'Invalid characters in path.');
      return;
    }
    const found = await this.#resolve(decoded, req.headers.accept);
    if (!found) {
      sendError(res, proxyError('SB_ERR_NOT_FOUND'));
      return;
    }
    await this.#send(req, res, found);
  }

  async #resolve(decoded: string, accept: string | undefined): Promise<Found | undefined> {
    const normal = path.posix.normalize(decoded);
    const segments = normal.split('/').filter(Boolean);
    // Hidden files and any escape attempt are simply not there.
    if (segments.some((s) => s.startsWith('.'))) return undefined;
    const file = path.join(this.root, ...segments);
    if (file !== this.root && !file.startsWith(this.root + path.sep)) return undefined;
    const direct = await statFile(file);
    if (direct?.isFile()) return { file, stats: direct, spaFallback: false };
    if (direct?.isDirectory()) {
      const index = path.join(file, this.#cfg.index);
      const s = await statFile(index);
      if (s?.isFile()) return { file: index, stats: s, spaFallback: false };
    }
    const last = segments.at(-1) ?? '';
    const wantsHtml =
      accept === undefined || accept.includes('text/html') || accept.includes('*/*');
    if (this.#cfg.spa && !last.includes('.') && wantsHtml) {
      const index = path.join(this.root, this.#cfg.index);
      const s = await statFile(index);
      if (s?.isFile()) return { file: index, stats: s, spaFallback: true };
    }
    return undefined;
  }

  async #send(req: IncomingMessage, res: ServerResponse, found: Found): Promise<void> {
    const { file, stats } = found;
    const ext = path.extname(file).slice(1);
    const type = contentType(ext);
    const compressible = isCompressible(type);
    const accept = String(req.headers['accept-encoding'] ?? '');
    let sendPath = file;
    let sendStats = stats;
    let encoding: 'br' | 'gzip' | undefined;
    let onTheFly = false;
    if (compressible) {
      for (const [enc, suffix] of [
        ['br', '.br'],
        ['gzip', '.gz'],
      ] as const) {
        if (!acceptsEncoding(accept, enc)) continue;
        const s = await statFile(file + suffix);
        if (s?.isFile()) {
          sendPath = file + suffix;
          sendStats = s;
          encoding = enc;
          break;
        }
      }
      if (!encoding && this.#cfg.compress && stats.size >= MIN_COMPRESS) {
        encoding = acceptsEncoding(accept, 'br')
          ? 'br'
          : acceptsEncoding(accept, 'gzip')
            ? 'gzip'
            : undefined;
        onTheFly = encoding !== undefined;
      }
    }
    const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}${encoding ? `-${encoding}` : ''}"`;
    const lastModified = stats.mtime.toUTCString();
    const base = path.basename(file);
    let cache: string;
    if (found.spaFallback || type.startsWith('text/html')) cache = 'no-cache';
    else if (this.#immutable.test(base)) cache = 'public, max-age=31536000, immutable';
    else
      cache =
        this.#cfg.max_age > 0
          ? `public, max-age=${Math.floor(this.#cfg.max_age / 1000)}`
          : 'no-cache';

    res.setHeader('content-type', type);
    res.setHeader('etag', etag);
    res.setHeader('last-modified', lastModified);
    res.setHeader('cache-control', cache);
    if (compressible) res.setHeader('vary', 'Accept-Encoding');
    if (isNotModified(req, etag, stats.mtime)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    if (encoding) res.setHeader('content-encoding', encoding);
    if (!onTheFly) res.setHeader('content-length', sendStats.size);
    res.statusCode = 200;
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(sendPath);
    const done = (err: Error | null | undefined): void => {
      if (err && !res.headersSent) sendError(res, proxyError('SB_ERR_INTERNAL'));
      else if (err) res.destroy();
    };
    if (onTheFly) {
      const z =
        encoding === 'br'
          ? createBrotliCompress({
              params: { [zc.BROTLI_PARAM_QUALITY]: 4, [zc.BROTLI_PARAM_SIZE_HINT]: stats.size },
            })
          : createGzip({ level: 6 });
      pipeline(stream, z, res, done);
    } else {
      pipeline(stream, res, done);
    }
  }
}

async function statFile(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

function acceptsEncoding(header: string, enc: string): boolean {
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (name?.trim().toLowerCase() !== enc && name?.trim() !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

function isNotModified(req: IncomingMessage, etag: string, mtime: Date): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const weak = (t: string) => t.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((t) => weak(t) === weak(etag));
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}
