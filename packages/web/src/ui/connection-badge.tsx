import { useEffect, useState } from 'react';
import { useConnection, useServices } from '../services-context';

/** Live / reconnecting (with countdown) / offline, for the socket that carries board events. */
export function ConnectionBadge() {
  const { realtime } = useServices();
  const state = useConnection();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (state.status === 'live' || state.retryAt === null) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [state.status, state.retryAt]);
  const seconds = state.retryAt ? Math.max(0, Math.ceil((state.retryAt - now) / 1000)) : null;
  const text =
    state.status === 'live'
      ? 'Live'
      : state.status === 'connecting'
        ? 'Connecting…'
        : state.status === 'offline'
          ? 'Offline'
          : seconds !== null && seconds > 0
            ? `Reconnecting in ${seconds}s`
            : 'Reconnecting…';
  const title =
    state.status === 'live'
      ? 'Changes from others appear as they happen.'
      : 'Real-time updates are paused; the board refreshes over HTTP meanwhile and catches up when the connection is back.';
  const clickable = state.status !== 'live' && state.status !== 'connecting';
  return (
    <button
      type="button"
      className={`conn conn-${state.status}`}
      title={title}
      onClick={clickable ? () => realtime.retryNow() : undefined}
      aria-live="polite"
      aria-label={`Connection: ${text}${clickable ? '. Press to retry now.' : ''}`}
      style={{ cursor: clickable ? 'pointer' : 'default' }}
    >
      <span className="conn-dot" aria-hidden="true" />
      {text}
    </button>
  );
}
