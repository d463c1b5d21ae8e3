import { useEffect, useMemo, useRef, useState } from 'react';
import { errorText } from '../api/error-text';
import { isApiError } from '../api/http';
import { colorSlot } from '../lib/format';
import { ConfirmDialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { showToast } from '../ui/toasts';
import {
  type AdminClient,
  adminClient,
  adminToken,
  type AnalyticsInfo,
  type BackendInfo,
  type StrategyInfo,
  strategyNames,
} from './admin-api';
import { TimeChart } from './time-chart';

const POLL_MS = 2000;
const HISTORY = 150;

interface Sample {
  t: number;
  totals: Record<string, number>;
  classes: Record<string, number>;
}

/** The proxy dashboard for whoever holds the admin token. */
export function AdminPage() {
  const [token, setToken] = useState<string | null>(() => adminToken.get());
  if (!token) return <TokenGate onToken={setToken} />;
  return (
    <Dashboard
      client={adminClient(token)}
      onSignOut={() => {
        adminToken.clear();
        setToken(null);
      }}
    />
  );
}

function TokenGate({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const token = value.trim();
    if (!token) {
      setError('Paste the admin token.');
      return;
    }
    setBusy(true);
    try {
      await adminClient(token).backends();
      adminToken.set(token);
      onToken(token);
    } catch (e) {
      setError(
        isApiError(e) && e.status === 401
          ? 'The proxy rejected that token.'
          : isApiError(e) && e.status === 404
            ? 'This server has no admin API on its main port (is the proxy in front?).'
            : errorText(e),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page" id="main" style={{ maxWidth: 520 }}>
      <div className="panel">
        <div className="panel-header">
          <Icon name="shield" />
          <h2>Proxy admin</h2>
        </div>
        <form
          className="panel-body"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <p style={{ marginBottom: 16, color: 'var(--text-muted)' }}>
            See the backends at work: health, weights, live traffic, strategy. Paste the admin token
            — <code>npm start</code> keeps it in <code>.switchboard/admin-token</code> unless{' '}
            <code>ADMIN_TOKEN</code> is set. It is kept for this tab only.
          </p>
          {error && (
            <div className="form-error" role="alert">
              <Icon name="alert" /> {error}
            </div>
          )}
          <div className="field">
            <label className="label" htmlFor="admin-token">
              Admin token
            </label>
            <input
              id="admin-token"
              className="input"
              type="password"
              autoComplete="off"
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
          </div>
          <button
            type="submit"
            className="btn btn-primary"
            style={{ marginTop: 16 }}
            disabled={busy}
          >
            {busy && <span className="spinner" aria-hidden="true" />}
            Open dashboard
          </button>
        </form>
      </div>
    </main>
  );
}

function Dashboard({ client, onSignOut }: { client: AdminClient; onSignOut: () => void }) {
  const [backends, setBackends] = useState<BackendInfo[] | null>(null);
  const [strategy, setStrategy] = useState<StrategyInfo | null>(null);
  const [analytics, setAnalytics] = useState<AnalyticsInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<BackendInfo | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [tick, setTick] = useState(0);
  const clientRef = useRef(client);
  clientRef.current = client;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      if (document.visibilityState === 'visible') {
        const c = clientRef.current;
        const [b, s, a] = await Promise.allSettled([c.backends(), c.strategy(), c.analytics()]);
        if (stopped) return;
        if (b.status === 'rejected') {
          if (isApiError(b.reason) && b.reason.status === 401) {
            showToast({ kind: 'error', message: 'The admin token is no longer accepted.' });
            onSignOut();
            return;
          }
          setError(errorText(b.reason));
        } else {
          setError(null);
          setBackends(b.value);
        }
        if (s.status === 'fulfilled') setStrategy(s.value);
        if (a.status === 'fulfilled') setAnalytics(a.value);
        if (b.status === 'fulfilled') {
          const sample: Sample = {
            t: Date.now() / 1000,
            totals: Object.fromEntries(b.value.map((x) => [x.id, x.stats.total_requests])),
            classes: a.status === 'fulfilled' ? a.value.totals.status_classes : {},
          };
          setSamples((prev) => [...prev.slice(-HISTORY), sample]);
        }
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tick, onSignOut]);

  const refresh = () => setTick((t) => t + 1);
  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      showToast({ kind: 'success', message: done });
    } catch (e) {
      showToast({ kind: 'error', message: errorText(e) });
    }
    refresh();
  };

  const ids = useMemo(() => (backends ?? []).map((b) => b.id).sort(), [backends]);
  const rateChart = useMemo(() => rates(samples, ids, (s) => s.totals), [samples, ids]);
  const classChart = useMemo(
    () => rates(samples, ['2xx', '3xx', '4xx', '5xx'], (s) => s.classes),
    [samples],
  );

  const up = (backends ?? []).filter((b) => b.state === 'up').length;
  const lastRate = rateChart.data.slice(1).reduce((sum, ys) => sum + (ys[ys.length - 1] ?? 0), 0);
  const totals = analytics?.totals;

  return (
    <main className="page" id="main">
      <div className="page-header">
        <div>
          <h1>Backends</h1>
          <p>The proxy in front of the API instances: health, weights and live traffic.</p>
        </div>
        <div style={{ display: 'flex', gap: 8 }}>
          <button type="button" className="btn btn-secondary btn-sm" onClick={refresh}>
            <Icon name="refresh" /> Refresh
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onSignOut}>
            <Icon name="logout" /> Forget token
          </button>
        </div>
      </div>
      {error && (
        <div className="form-error" role="alert">
          <Icon name="alert" /> {error}
        </div>
      )}
      <div className="admin-grid">
        <Stat label="Backends up" value={backends ? `${up} / ${backends.length}` : '…'} />
        <Stat label="Requests / s (now)" value={samples.length > 1 ? lastRate.toFixed(1) : '…'} />
        <Stat
          label="5xx (24 h)"
          value={totals ? `${(totals.error_rate * 100).toFixed(2)}%` : '…'}
        />
        <Stat label="p95 latency (24 h)" value={totals ? `${totals.latency_ms.p95} ms` : '…'} />
      </div>

      <section className="panel" aria-labelledby="strategy-title">
        <div className="panel-header">
          <h2 id="strategy-title">Balancing strategy</h2>
          <label className="visually-hidden" htmlFor="strategy">
            Strategy
          </label>
          <select
            id="strategy"
            className="select"
            style={{ width: 240 }}
            value={strategy?.name ?? ''}
            disabled={!strategy}
            onChange={(e) =>
              void act(
                () => client.setStrategy(e.target.value, strategy?.pool),
                `Strategy set to ${e.target.value}.`,
              )
            }
          >
            {!strategy && <option value="">…</option>}
            {strategyNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
            {strategy &&
              !strategyNames.includes(strategy.name as (typeof strategyNames)[number]) && (
                <option value={strategy.name}>{strategy.name}</option>
              )}
          </select>
        </div>
      </section>

      <section className="panel" aria-labelledby="backends-title">
        <div className="panel-header">
          <h2 id="backends-title">Backends</h2>
          {strategy?.pool && <span className="badge">pool {strategy.pool}</span>}
        </div>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Backend</th>
                <th scope="col">State</th>
                <th scope="col">Weight</th>
                <th scope="col" className="num">
                  Active
                </th>
                <th scope="col" className="num">
                  WebSockets
                </th>
                <th scope="col" className="num">
                  Requests
                </th>
                <th scope="col" className="num">
                  Failures
                </th>
                <th scope="col" className="num">
                  Latency
                </th>
                <th scope="col">Last check</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {backends === null && (
                <tr>
                  <td colSpan={10}>
                    <div className="skeleton" style={{ height: 20 }} />
                  </td>
                </tr>
              )}
              {backends?.length === 0 && (
                <tr>
                  <td colSpan={10} style={{ color: 'var(--text-muted)' }}>
                    No backends configured.
                  </td>
                </tr>
              )}
              {backends?.map((b) => (
                <tr key={b.id}>
                  <td>
                    <span
                      className="backend-chip"
                      style={{ ['--chip' as string]: `var(--c${colorSlot(b.id)})` }}
                    >
                      {b.id}
                    </span>
                    <div style={{ fontSize: 'var(--fs-xs)', color: 'var(--text-muted)' }}>
                      {b.url}
                    </div>
                  </td>
                  <td>
                    <span className={`badge state-${b.state}`}>{b.state}</span>
                  </td>
                  <td>
                    <WeightInput
                      backend={b}
                      onSave={(w) =>
                        void act(() => client.setWeight(b.id, w), `${b.id} weight ${w}.`)
                      }
                    />
                  </td>
                  <td className="num">{b.stats.active_requests}</td>
                  <td className="num">{b.stats.active_websockets}</td>
                  <td className="num">{b.stats.total_requests.toLocaleString()}</td>
                  <td className="num">{b.stats.failures.toLocaleString()}</td>
                  <td className="num">{b.stats.latency_ms.toFixed(1)} ms</td>
                  <td style={{ fontSize: 'var(--fs-xs)' }}>
                    {b.stats.last_check
                      ? `${b.stats.last_check.ok ? 'ok' : 'failed'}${b.stats.last_check.status ? ` (${b.stats.last_check.status})` : ''}, ${Math.round(b.stats.last_check.latency_ms)} ms`
                      : '—'}
                  </td>
                  <td>
                    <div style={{ display: 'flex', gap: 4 }}>
                      {b.state === 'draining' ? (
                        <button
                          type="button"
                          className="btn btn-secondary btn-sm"
                          onClick={() =>
                            void act(() => client.undrain(b.id), `${b.id} takes traffic again.`)
                          }
                        >
                          Undrain
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="btn btn-secondary btn-sm"
                          onClick={() =>
                            void act(
                              () => client.drain(b.id),
                              `${b.id} is draining: no new requests.`,
                            )
                          }
                        >
                          Drain
                        </button>
                      )}
                      <button
                        type="button"
                        className="btn btn-ghost btn-sm"
                        onClick={() => void act(() => client.check(b.id), `Checked ${b.id}.`)}
                      >
                        Check
                      </button>
                      <button
                        type="button"
                        className="btn btn-danger-ghost btn-sm btn-icon"
                        aria-label={`Remove ${b.id}`}
                        title={`Remove ${b.id}`}
                        onClick={() => setRemoving(b)}
                      >
                        <Icon name="trash" />
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="panel" aria-labelledby="traffic-title">
        <div className="panel-header">
          <h2 id="traffic-title">Live traffic</h2>
          <span className="hint">
            every {POLL_MS / 1000} s, last {(HISTORY * POLL_MS) / 60000} min
          </span>
        </div>
        <div className="panel-body charts">
          <div>
            <h3 className="chart-title">Requests per second, by backend</h3>
            <TimeChart
              label="Requests per second by backend"
              unit="req/s"
              series={ids.map((id) => ({ label: id, color: `var(--c${colorSlot(id)})` }))}
              data={rateChart.data}
            />
          </div>
          <div>
            <h3 className="chart-title">Responses per second, by status class</h3>
            <TimeChart
              label="Responses per second by status class"
              unit="/s"
              series={[
                { label: '2xx', color: 'var(--success)' },
                { label: '3xx', color: 'var(--text-faint)' },
                { label: '4xx', color: 'var(--warning)' },
                { label: '5xx', color: 'var(--danger)' },
              ]}
              data={classChart.data}
            />
          </div>
        </div>
        {totals && (
          <div className="panel-body" style={{ borderTop: '1px solid var(--border)' }}>
            <StatusMix classes={totals.status_classes} total={totals.requests} />
          </div>
        )}
      </section>
      <ConfirmDialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        title={`Remove ${removing?.id ?? ''}?`}
        confirmLabel="Remove backend"
        onConfirm={() => {
          const b = removing;
          setRemoving(null);
          if (b) void act(() => client.remove(b.id), `${b.id} removed from the pool.`);
        }}
      >
        <p>
          The proxy stops sending it traffic at once and forgets it. The instance itself keeps
          running; add it back with <code>POST /admin/backends</code>.
        </p>
      </ConfirmDialog>
    </main>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  );
}

function WeightInput({ backend, onSave }: { backend: BackendInfo; onSave: (w: number) => void }) {
  const [value, setValue] = useState(String(backend.weight));
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setValue(String(backend.weight));
  }, [backend.weight, focused]);
  const commit = () => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 1000) {
      showToast({ kind: 'error', message: 'Weights are whole numbers from 0 to 1000.' });
      setValue(String(backend.weight));
      return;
    }
    if (n !== backend.weight) onSave(n);
  };
  return (
    <input
      className="input weight-input"
      type="number"
      min={0}
      max={1000}
      aria-label={`Weight of ${backend.id}`}
      value={value}
      onFocus={() => setFocused(true)}
      onBlur={() => {
        setFocused(false);
        commit();
      }}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') e.currentTarget.blur();
      }}
    />
  );
}

function StatusMix({ classes, total }: { classes: Record<string, number>; total: number }) {
  const colors: Record<string, string> = {
    '2xx': 'var(--success)',
    '3xx': 'var(--text-faint)',
    '4xx': 'var(--warning)',
    '5xx': 'var(--danger)',
  };
  const entries = Object.entries(classes).filter(([k, n]) => n > 0 && k in colors);
  return (
    <div>
      <h3 className="chart-title">Status mix, last 24 h ({total.toLocaleString()} requests)</h3>
      <div className="tally-bar" style={{ height: 10 }} aria-hidden="true">
        {entries.map(([k, n]) => (
          <span
            key={k}
            style={{ width: `${(n / Math.max(1, total)) * 100}%`, background: colors[k] }}
          />
        ))}
      </div>
      <p style={{ display: 'flex', gap: 16, marginTop: 8, fontSize: 'var(--fs-sm)' }}>
        {entries.map(([k, n]) => (
          <span key={k}>
            <strong>{k}</strong> {n.toLocaleString()} ({((n / Math.max(1, total)) * 100).toFixed(1)}
            %)
          </span>
        ))}
      </p>
    </div>
  );
}

/** Per-second rates from cumulative counters between consecutive samples. */
function rates(
  samples: readonly Sample[],
  keys: readonly string[],
  pick: (s: Sample) => Record<string, number>,
): { data: number[][] } {
  const xs: number[] = [];
  const ys: number[][] = keys.map(() => []);
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    const dt = Math.max(0.001, b.t - a.t);
    xs.push(b.t);
    keys.forEach((k, j) => {
      const delta = (pick(b)[k] ?? 0) - (pick(a)[k] ?? 0);
      (ys[j] as number[]).push(Math.max(0, delta) / dt);
    });
  }
  return { data: [xs, ...ys] };
}
