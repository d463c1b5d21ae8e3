import { useEffect, useState } from 'react';
import { colorSlot } from '../lib/format';
import { useServices } from '../services-context';
import { ConfirmDialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import type { AdminClient, BackendInfo } from './admin-api';

type Act = (action: () => Promise<unknown>, done: string) => void;

/** The pool's backends: health, weight (editable), load, last check, and what can be done. */
export function BackendsPanel({
  backends,
  pool,
  client,
  act,
}: {
  backends: readonly BackendInfo[] | null;
  pool: string | undefined;
  client: AdminClient;
  act: Act;
}) {
  const [removing, setRemoving] = useState<BackendInfo | null>(null);
  return (
    <section className="panel" aria-labelledby="backends-title">
      <div className="panel-header">
        <h2 id="backends-title">Backends</h2>
        {pool && <span className="badge">pool {pool}</span>}
      </div>
      <div className="table-wrap">
        <table className="table backends-table">
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
              <BackendRow
                key={b.id}
                backend={b}
                client={client}
                act={act}
                onRemove={() => setRemoving(b)}
              />
            ))}
          </tbody>
        </table>
      </div>
      <ConfirmDialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        title={`Remove ${removing?.id ?? ''}?`}
        confirmLabel="Remove backend"
        onConfirm={() => {
          const b = removing;
          setRemoving(null);
          if (b) act(() => client.remove(b.id), `${b.id} removed from the pool.`);
        }}
      >
        <p>
          The proxy stops sending it traffic at once and forgets it. The instance itself keeps
          running; add it back with <code>POST /admin/backends</code>.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function BackendRow({
  backend: b,
  client,
  act,
  onRemove,
}: {
  backend: BackendInfo;
  client: AdminClient;
  act: Act;
  onRemove: () => void;
}) {
  const check = b.stats.last_check;
  return (
    <tr data-backend={b.id}>
      <td>
        <span
          className="backend-chip"
          style={{ ['--chip' as string]: `var(--c${colorSlot(b.id)})` }}
        >
          {b.id}
        </span>
        <div className="backend-url">{b.url}</div>
      </td>
      <td>
        <span className={`badge state-${b.state}`}>{b.state}</span>
      </td>
      <td>
        <WeightInput
          backend={b}
          onSave={(w) => act(() => client.setWeight(b.id, w), `${b.id} weight ${w}.`)}
        />
      </td>
      <td className="num">{b.stats.active_requests}</td>
      <td className="num">{b.stats.active_websockets}</td>
      <td className="num">{b.stats.total_requests.toLocaleString()}</td>
      <td className="num">{b.stats.failures.toLocaleString()}</td>
      <td className="num">{b.stats.latency_ms.toFixed(1)} ms</td>
      <td className="last-check">
        {check
          ? `${check.ok ? 'ok' : 'failed'}${check.status ? ` (${check.status})` : ''}, ${Math.round(check.latency_ms)}\u00a0ms`
          : '—'}
      </td>
      <td>
        <div className="row-actions">
          {b.state === 'draining' ? (
            <button
              type="button"
              className="btn btn-secondary btn-sm drain-toggle"
              onClick={() => act(() => client.undrain(b.id), `${b.id} takes traffic again.`)}
            >
              Undrain
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-secondary btn-sm drain-toggle"
              onClick={() => act(() => client.drain(b.id), `${b.id} is draining: no new requests.`)}
            >
              Drain
            </button>
          )}
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => act(() => client.check(b.id), `Checked ${b.id}.`)}
          >
            Check
          </button>
          <button
            type="button"
            className="btn btn-danger-ghost btn-sm btn-icon"
            aria-label={`Remove ${b.id}`}
            title={`Remove ${b.id}`}
            onClick={onRemove}
          >
            <Icon name="trash" />
          </button>
        </div>
      </td>
    </tr>
  );
}

function WeightInput({ backend, onSave }: { backend: BackendInfo; onSave: (w: number) => void }) {
  const { toasts } = useServices();
  const [value, setValue] = useState(String(backend.weight));
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setValue(String(backend.weight));
  }, [backend.weight, focused]);
  const commit = () => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 1000) {
      toasts.show({ kind: 'error', message: 'Weights are whole numbers from 0 to 1000.' });
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
