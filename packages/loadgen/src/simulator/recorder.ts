import * as hdr from 'hdr-histogram-js';

/** Per-action latency histograms plus status, error and backend tallies. */
export class Recorder {
  private readonly latency = new Map<string, hdr.Histogram>();
  readonly statuses = new Map<string, Map<number, number>>();
  readonly backends = new Map<string, number>();
  readonly errors = new Map<string, number>();
  requests = 0;

  record(action: string, status: number, ms: number, servedBy: string | null): void {
    this.requests++;
    let h = this.latency.get(action);
    if (!h) {
      h = hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 600_000_000,
        numberOfSignificantValueDigits: 3,
      });
      this.latency.set(action, h);
    }
    h.recordValue(Math.max(1, Math.round(ms * 1000)));
    let byStatus = this.statuses.get(action);
    if (!byStatus) this.statuses.set(action, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (servedBy) this.backends.set(servedBy, (this.backends.get(servedBy) ?? 0) + 1);
  }

  fail(action: string, reason: string): void {
    const key = `${action}: ${reason}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  summary() {
    const actions = [...this.latency].map(([action, h]) => ({
      action,
      count: h.totalCount,
      p50_ms: h.getValueAtPercentile(50) / 1000,
      p95_ms: h.getValueAtPercentile(95) / 1000,
      p99_ms: h.getValueAtPercentile(99) / 1000,
      statuses: Object.fromEntries(this.statuses.get(action) ?? []),
    }));
    const classes: Record<string, number> = {};
    for (const byStatus of this.statuses.values()) {
      for (const [status, n] of byStatus) {
        const cls = `${Math.floor(status / 100)}xx`;
        classes[cls] = (classes[cls] ?? 0) + n;
      }
    }
    return {
      requests: this.requests,
      status_classes: classes,
      backends: Object.fromEntries(this.backends),
      errors: Object.fromEntries(this.errors),
      actions: actions.sort((a, b) => b.count - a.count),
    };
  }
}

export type SimulationSummary = ReturnType<Recorder['summary']>;
