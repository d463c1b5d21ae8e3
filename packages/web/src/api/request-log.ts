/**
 * Recent HTTP requests with the backend that served each (X-Served-By), for
 * the "backends at work" panel. A small observable ring buffer.
 */
export interface RequestRecord {
  id: number;
  at: number;
  method: string;
  path: string;
  /** 0 when the request never got an answer. */
  status: number;
  /** X-Served-By (the proxy's backend id), else X-Instance-Id, else null. */
  servedBy: string | null;
  durationMs: number;
  errorCode?: string;
}

type Listener = () => void;

export class RequestLog {
  private records: readonly RequestRecord[] = [];
  private readonly listeners = new Set<Listener>();
  private nextId = 1;

  constructor(private readonly capacity = 200) {}

  add(record: Omit<RequestRecord, 'id'>): void {
    const next = [{ ...record, id: this.nextId++ }, ...this.records];
    if (next.length > this.capacity) next.length = this.capacity;
    this.records = next;
    for (const listener of this.listeners) listener();
  }

  clear(): void {
    this.records = [];
    for (const listener of this.listeners) listener();
  }

  /** Newest first; the same array until something changes (useSyncExternalStore). */
  snapshot = (): readonly RequestRecord[] => this.records;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** Requests per backend among the given records, busiest first. */
export function tallyByBackend(records: readonly RequestRecord[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of records) {
    const key = r.servedBy ?? '—';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
