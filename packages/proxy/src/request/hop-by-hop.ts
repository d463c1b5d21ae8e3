/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, plus the non-standard Proxy-Connection
 * and Keep-Alive) never cross the proxy. Checking the length first keeps the
 * common case — an ordinary header — free of lower-casing.
 */
export function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2:
      return name.toLowerCase() === 'te';
    case 7: {
      const l = name.toLowerCase();
      return l === 'upgrade' || l === 'trailer';
    }
    case 10: {
      const l = name.toLowerCase();
      return l === 'connection' || l === 'keep-alive';
    }
    case 16:
      return name.toLowerCase() === 'proxy-connection';
    case 17:
      return name.toLowerCase() === 'transfer-encoding';
    case 18:
      return name.toLowerCase() === 'proxy-authenticate';
    case 19:
      return name.toLowerCase() === 'proxy-authorization';
    default:
      return false;
  }
}

const STANDARD_CONNECTION_TOKENS = new Set(['keep-alive', 'close', 'upgrade']);

/** Extra header names listed in a Connection value, lower-cased (usually none). */
export function connectionListed(
  value: string,
  into: Set<string> | undefined,
): Set<string> | undefined {
  // The usual values name nothing extra: skip the split.
  const len = value.length;
  if (
    (len === 10 || len === 5 || len === 7) &&
    STANDARD_CONNECTION_TOKENS.has(value.toLowerCase())
  ) {
    return into;
  }
  for (const raw of value.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t && !STANDARD_CONNECTION_TOKENS.has(t)) (into ??= new Set()).add(t);
  }
  return into;
}

/** Removes name/value pairs whose lower-cased name is in `names`. */
export function dropNamed(headers: string[], names: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i] as string;
    if (!names.has(n.toLowerCase())) out.push(n, headers[i + 1] as string);
  }
  return out;
}
