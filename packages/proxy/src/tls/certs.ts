import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
  /** Where they came from (for logs). */
  source: string;
}

export async function readKeyPair(certPath: string, keyPath: string): Promise<KeyPair> {
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { cert, key, source: certPath };
}

/**
 * A development certificate for localhost, 127.0.0.1 and ::1, kept in
 * `<dataDir>/tls/` and reused until it is within a week of expiry.
 */
export async function ensureSelfSigned(dataDir: string): Promise<KeyPair> {
  const dir = path.join(dataDir, 'tls');
  const certPath = path.join(dir, 'self-signed.crt');
  const keyPath = path.join(dir, 'self-signed.key');
  try {
    const pair = await readKeyPair(certPath, keyPath);
    const x = new X509Certificate(pair.cert);
    if (Date.parse(x.validTo) - Date.now() > 7 * 86_400_000) return pair;
  } catch {
    // Missing or unreadable: make a new one.
  }
  const notBeforeDate = new Date(Date.now() - 60_000);
  // Loaded here: selfsigned brings an X.509 stack (~200 modules) only a development certificate needs.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await writeFile(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, source: certPath };
}
