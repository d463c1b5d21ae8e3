import { type Api, createApi } from './api/endpoints';
import { HttpClient } from './api/http';
import { RequestLog } from './api/request-log';
import { RealtimeClient } from './realtime/connection';
import { SessionStore } from './state/session';
import { ToastStore } from './ui/toast-store';

/**
 * The app's long-lived objects, made once at start-up by the root (main.tsx)
 * and handed down by context — never created by importing a module, so a
 * test or a second root gets its own.
 */
export interface AppServices {
  requestLog: RequestLog;
  http: HttpClient;
  api: Api;
  session: SessionStore;
  /** The one WebSocket (started while someone is signed in). */
  realtime: RealtimeClient;
  toasts: ToastStore;
  /** Wires the services to the page (network events); returns the undo. */
  attach(): () => void;
}

export function createAppServices(page: Window = window): AppServices {
  const requestLog = new RequestLog();
  const http = new HttpClient(requestLog);
  const api = createApi(http.request);
  const session = new SessionStore(api);
  http.onUnauthenticated(() => session.lost());
  const realtime = new RealtimeClient({
    url: () => `${page.location.protocol === 'https:' ? 'wss' : 'ws'}://${page.location.host}/ws`,
    onUnauthenticated: () => void session.load(),
  });
  return {
    requestLog,
    http,
    api,
    session,
    realtime,
    toasts: new ToastStore(),
    attach() {
      const online = () => realtime.retryNow();
      page.addEventListener('online', online);
      return () => page.removeEventListener('online', online);
    },
  };
}
