import { useSyncExternalStore } from 'react';
import { type ConnectionState, RealtimeClient } from '../realtime/connection';
import { loadSession } from './session';

/** The app's one socket, same origin as the page (cookie auth). */
export const realtime = new RealtimeClient({
  url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  onUnauthenticated: () => void loadSession(),
});

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => realtime.retryNow());
}

export function useConnection(): ConnectionState {
  return useSyncExternalStore(realtime.subscribe, realtime.getState);
}
