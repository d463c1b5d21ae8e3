import { unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import type { Server as TlsServer } from 'node:tls';
import type { ProxyConfig } from '../config/load.js';
import { proxyError } from '../errors.js';
import type { Logger } from '../logging.js';
import { ensureSelfSigned, readKeyPair, type KeyPair } from './certs.js';

/**
 * The certificate of the main listener: loaded from the configured files (or
 * the self-signed development pair), watched for changes, and swapped in with
 * `setSecureContext` — new handshakes get the new one, open connections carry on.
 */
export class TlsFiles {
  readonly #config: () => ProxyConfig;
  readonly #baseDir: string;
  readonly #log: Logger;
  #watched: string[] = [];

  constructor(config: () => ProxyConfig, baseDir: string, log: Logger) {
    this.#config = config;
    this.#baseDir = baseDir;
    this.#log = log;
  }

  async load(): Promise<KeyPair> {
    const cfg = this.#config();
    const t = cfg.tls;
    if (t?.cert && t.key) {
      return readKeyPair(path.resolve(this.#baseDir, t.cert), path.resolve(this.#baseDir, t.key));
    }
    return ensureSelfSigned(path.resolve(this.#baseDir, cfg.data_dir));
  }

  /** Calls `onChange` when the cert or key file changes (polled each second). */
  watch(onChange: () => void): void {
    this.unwatch();
    const t = this.#config().tls;
    if (!t?.watch || !t.cert || !t.key) return;
    let timer: NodeJS.Timeout | undefined;
    for (const f of [t.cert, t.key].map((p) => path.resolve(this.#baseDir, p))) {
      watchFile(f, { interval: 1000, persistent: false }, () => {
        // cert and key are usually replaced together: wait for both.
        clearTimeout(timer);
        timer = setTimeout(onChange, 200);
      });
      this.#watched.push(f);
    }
  }

  unwatch(): void {
    for (const f of this.#watched) unwatchFile(f);
    this.#watched = [];
  }

  /** Loads the pair again and installs it; an invalid pair is refused and the old one stays. */
  async reload(
    server: Pick<TlsServer, 'setSecureContext'>,
  ): Promise<{ reloaded: boolean; source?: string }> {
    try {
      const pair = await this.load();
      server.setSecureContext({ cert: pair.cert, key: pair.key });
      this.#log.info({ source: pair.source }, 'tls certificate reloaded');
      return { reloaded: true, source: pair.source };
    } catch (e) {
      const msg = (e as Error).message;
      this.#log.error({ err: msg }, 'tls certificate reload failed; keeping the old one');
      throw proxyError('SB_ERR_VALIDATION', `Certificate reload failed: ${msg}`);
    }
  }
}
