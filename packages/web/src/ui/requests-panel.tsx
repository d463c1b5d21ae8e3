import { useSyncExternalStore } from 'react';
import { tallyByBackend } from '../api/request-log';
import { colorSlot } from '../lib/format';
import { Icon } from './icons';
import { useConnection, useServices } from '../services-context';

const timeFmt = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/**
 * Which backend served each request (X-Served-By): balancing made visible,
 * so a user sees their clicks spread over the instances.
 */
export function RequestsPanel({ onClose }: { onClose: () => void }) {
  const { requestLog } = useServices();
  const records = useSyncExternalStore(requestLog.subscribe, requestLog.snapshot);
  const tally = tallyByBackend(records);
  const total = records.length;
  const connection = useConnection();
  return (
    <section className="requests" aria-labelledby="requests-title" role="region">
      <div className="requests-header">
        <Icon name="activity" />
        <h2 id="requests-title">Requests &amp; the backends that served them</h2>
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={() => requestLog.clear()}
          disabled={total === 0}
        >
          Clear
        </button>
        <button
          type="button"
          className="btn btn-ghost btn-icon btn-sm"
          aria-label="Close the requests panel"
          onClick={onClose}
        >
          <Icon name="x" />
        </button>
      </div>
      <p className="requests-socket">
        {connection.instance && connection.status === 'live'
          ? `Live updates arrive over a WebSocket held by ${connection.instance}.`
          : 'The live-updates socket is not connected.'}
      </p>
      {total > 0 && (
        <div className="requests-tally">
          <div className="tally-bar" aria-hidden="true">
            {tally.map(([backend, n]) => (
              <span
                key={backend}
                style={{
                  width: `${(n / total) * 100}%`,
                  background: `var(--c${colorSlot(backend)})`,
                }}
              />
            ))}
          </div>
          {tally.map(([backend, n]) => (
            <span
              key={backend}
              className="backend-chip"
              style={{ ['--chip' as string]: `var(--c${colorSlot(backend)})`, fontSize: 12 }}
            >
              {backend} · {n} ({Math.round((n / total) * 100)}%)
            </span>
          ))}
        </div>
      )}
      <div className="requests-list">
        {total === 0 ? (
          <p className="empty" style={{ padding: 24 }}>
            No requests yet. Use the app and watch the proxy spread them over the backends.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Served by</th>
                <th scope="col" style={{ textAlign: 'right' }}>
                  ms
                </th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.id}>
                  <td>{timeFmt.format(r.at)}</td>
                  <td className="path" title={`${r.method} ${r.path}`}>
                    <strong>{r.method}</strong> {r.path}
                  </td>
                  <td className={`status-${String(r.status)[0]}`} title={r.errorCode}>
                    {r.status === 0 ? 'failed' : r.status}
                  </td>
                  <td>
                    {r.servedBy ? (
                      <span
                        className="backend-chip"
                        style={{ ['--chip' as string]: `var(--c${colorSlot(r.servedBy)})` }}
                      >
                        {r.servedBy}
                      </span>
                    ) : (
                      <span style={{ color: 'var(--text-muted)' }}>—</span>
                    )}
                  </td>
                  <td style={{ textAlign: 'right' }}>{r.durationMs.toFixed(0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
