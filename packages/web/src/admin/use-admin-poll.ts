import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/error-text';
import { isApiError } from '../api/http';
import type { AdminClient, AnalyticsInfo, BackendInfo, StrategyInfo } from './admin-api';
import { appendSample, type Sample } from './rates';

export interface AdminPoll {
  backends: BackendInfo[] | null;
  strategy: StrategyInfo | null;
  analytics: AnalyticsInfo | null;
  /** Counter samples, oldest first, at most `history`. */
  samples: readonly Sample[];
  /** Why the last poll of the backends failed, if it did. */
  error: string | null;
  /** Polls now (after an action), then on the usual schedule. */
  refresh(): void;
}

/**
 * Polls the proxy's admin API every `pollMs` while the tab is visible and
 * keeps the last `history` samples of its counters for the live charts.
 * A 401 means the token stopped working: `onUnauthorized`, and polling stops.
 */
export function useAdminPoll(
  client: AdminClient,
  options: { pollMs: number; history: number; onUnauthorized: () => void },
): AdminPoll {
  const { pollMs, history } = options;
  const [backends, setBackends] = useState<BackendInfo[] | null>(null);
  const [strategy, setStrategy] = useState<StrategyInfo | null>(null);
  const [analytics, setAnalytics] = useState<AnalyticsInfo | null>(null);
  const [samples, setSamples] = useState<readonly Sample[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const onUnauthorized = useRef(options.onUnauthorized);
  onUnauthorized.current = options.onUnauthorized;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (document.visibilityState === 'visible') {
        const [b, s, a] = await Promise.allSettled([
          client.backends(),
          client.strategy(),
          client.analytics(),
        ]);
        if (stopped) return;
        if (b.status === 'rejected') {
          if (isApiError(b.reason) && b.reason.status === 401) {
            onUnauthorized.current();
            return;
          }
          setError(errorText(b.reason));
        } else {
          setError(null);
          setBackends(b.value);
          const sample: Sample = {
            t: Date.now() / 1000,
            totals: Object.fromEntries(b.value.map((x) => [x.id, x.stats.total_requests])),
            classes: a.status === 'fulfilled' ? a.value.totals.status_classes : {},
          };
          setSamples((prev) => appendSample(prev, sample, history));
        }
        if (s.status === 'fulfilled') setStrategy(s.value);
        if (a.status === 'fulfilled') setAnalytics(a.value);
      }
      if (!stopped) timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, pollMs, history, tick]);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { backends, strategy, analytics, samples, error, refresh };
}
