import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AdminChange, AdminLog, LoggedChange } from './admin-log.js';

/**
 * The admin log of a single proxy: one JSON line per change in the data
 * directory, so its admin changes survive a restart. Ids are line numbers.
 */
export class FileAdminLog implements AdminLog {
  readonly kind = 'file' as const;
  #count: number | undefined;

  constructor(readonly path: string) {}

  async #lines(): Promise<AdminChange[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: AdminChange[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as AdminChange);
      } catch {
        // A line cut short by a crash mid-write: the change was never acknowledged.
      }
    }
    return out;
  }

  async append(change: AdminChange): Promise<string> {
    this.#count ??= (await this.#lines()).length;
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(change)}\n`);
    this.#count += 1;
    return String(this.#count);
  }

  async read(after: string | null): Promise<LoggedChange[]> {
    const lines = await this.#lines();
    this.#count = lines.length;
    const from = after === null ? 0 : Number(after);
    return lines.slice(from).map((change, i) => ({ id: String(from + i + 1), change }));
  }

  async close(): Promise<void> {}
}
