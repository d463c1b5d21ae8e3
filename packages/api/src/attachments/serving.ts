/**
 * How a stored file is handed to a browser so that it can never act as the
 * app: the browser must not guess a type (nosniff), a document it renders
 * anyway runs in a sandbox with no script and no network (CSP), and other
 * sites cannot embed it.
 */
export function servingHeaders(): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox allow-downloads",
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    // Private: a file is for the board's members; the id never changes content.
    'cache-control': 'private, max-age=86400',
  };
}

/** RFC 6266 with an ASCII fallback and the UTF-8 name (RFC 8187). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * One byte range of a `Range: bytes=…` header, as [start, end] inclusive;
 * null for the whole file (no header, a form we do not serve such as
 * several ranges, or an If-Range that no longer matches); 'unsatisfiable'
 * for a range wholly outside the file.
 */
export function parseRange(
  header: string | undefined,
  size: number,
  ifRange: string | undefined,
  etag: string,
): [number, number] | null | 'unsatisfiable' {
  if (!header) return null;
  if (ifRange !== undefined && ifRange !== etag) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    // The last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return [start, end];
}
