import { useState } from 'react';
import { errorText } from '../api/error-text';
import { isApiError } from '../api/http';
import { useServices } from '../services-context';
import { Icon } from '../ui/icons';
import { adminClient, adminToken } from './admin-api';

/** Asks for the proxy's admin token and checks it before keeping it (this tab only). */
export function TokenGate({ onToken }: { onToken: (token: string) => void }) {
  const { http } = useServices();
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
      await adminClient(http.request, token).backends();
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
