import { useCallback, useMemo, useState } from 'react';
import { errorText } from '../api/error-text';
import { useServices } from '../services-context';
import { Icon } from '../ui/icons';
import { type AdminClient, adminClient, adminToken } from './admin-api';
import { BackendsPanel } from './backends-panel';
import { latestTotal, rates } from './rates';
import { StrategyPanel } from './strategy-panel';
import { TokenGate } from './token-gate';
import { TrafficPanel } from './traffic-panel';
import { useAdminPoll } from './use-admin-poll';

const POLL_MS = 2000;
const HISTORY = 150;
const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'];

/** The proxy dashboard for whoever holds the admin token. */
export function AdminPage() {
  const { http } = useServices();
  const [token, setToken] = useState<string | null>(() => adminToken.get());
  const client = useMemo(() => (token ? adminClient(http.request, token) : null), [http, token]);
  const forget = useCallback(() => {
    adminToken.clear();
    setToken(null);
  }, []);
  if (!client) return <TokenGate onToken={setToken} />;
  return <Dashboard client={client} onSignOut={forget} />;
}

function Dashboard({ client, onSignOut }: { client: AdminClient; onSignOut: () => void }) {
  const { toasts } = useServices();
  const poll = useAdminPoll(client, {
    pollMs: POLL_MS,
    history: HISTORY,
    onUnauthorized: () => {
      toasts.show({ kind: 'error', message: 'The admin token is no longer accepted.' });
      onSignOut();
    },
  });
  const { backends, strategy, analytics, samples, refresh } = poll;

  const act = (action: () => Promise<unknown>, done: string) => {
    action()
      .then(
        () => toasts.show({ kind: 'success', message: done }),
        (e: unknown) => toasts.show({ kind: 'error', message: errorText(e) }),
      )
      .finally(refresh);
  };

  const ids = useMemo(() => (backends ?? []).map((b) => b.id).sort(), [backends]);
  const byBackend = useMemo(() => rates(samples, ids, (s) => s.totals), [samples, ids]);
  const byClass = useMemo(() => rates(samples, STATUS_CLASSES, (s) => s.classes), [samples]);

  const up = (backends ?? []).filter((b) => b.state === 'up').length;
  const now = latestTotal(byBackend);
  const totals = analytics?.totals;

  return (
    <main className="page" id="main">
      <div className="page-header">
        <div>
          <h1>Backends</h1>
          <p>The proxy in front of the API instances: health, weights and live traffic.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="btn btn-secondary btn-sm" onClick={refresh}>
            <Icon name="refresh" /> Refresh
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onSignOut}>
            <Icon name="logout" /> Forget token
          </button>
        </div>
      </div>
      {poll.error && (
        <div className="form-error" role="alert">
          <Icon name="alert" /> {poll.error}
        </div>
      )}
      <div className="admin-grid">
        <Stat label="Backends up" value={backends ? `${up} / ${backends.length}` : '…'} />
        <Stat label="Requests / s (now)" value={now === null ? '…' : now.toFixed(1)} />
        <Stat
          label="5xx (24 h)"
          value={totals ? `${(totals.error_rate * 100).toFixed(2)}%` : '…'}
        />
        <Stat
          label="p95 latency (24 h)"
          value={totals ? `${Math.round(totals.latency_ms.p95)} ms` : '…'}
        />
      </div>
      <StrategyPanel
        strategy={strategy}
        onChange={(name) =>
          act(() => client.setStrategy(name, strategy?.pool), `Strategy set to ${name}.`)
        }
      />
      <BackendsPanel backends={backends} pool={strategy?.pool} client={client} act={act} />
      <TrafficPanel
        backendIds={ids}
        byBackend={byBackend}
        byClass={byClass}
        totals={totals}
        pollMs={POLL_MS}
        windowSeconds={(HISTORY * POLL_MS) / 1000}
      />
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
