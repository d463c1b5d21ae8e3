import {
  type AnchorHTMLAttributes,
  createElement,
  type MouseEvent,
  useSyncExternalStore,
} from 'react';

/** The app's screens; paths are the single source of truth (History API). */
export type Route =
  | { name: 'boards' }
  | { name: 'login'; next: string | null }
  | { name: 'register'; next: string | null }
  | { name: 'board'; boardId: number; taskId: number | null }
  | { name: 'admin' }
  | { name: 'not-found'; path: string };

const ID = '([1-9]\\d{0,14})';
const patterns: [RegExp, (m: RegExpExecArray, query: URLSearchParams) => Route][] = [
  [/^\/$/, () => ({ name: 'boards' })],
  [/^\/boards\/?$/, () => ({ name: 'boards' })],
  [/^\/login\/?$/, (_m, q) => ({ name: 'login', next: safeNext(q.get('next')) })],
  [/^\/register\/?$/, (_m, q) => ({ name: 'register', next: safeNext(q.get('next')) })],
  // Not /admin: the proxy answers /admin/* itself (its admin API on the main listener).
  [/^\/backends\/?$/, () => ({ name: 'admin' })],
  [
    new RegExp(`^/boards/${ID}/?$`),
    (m) => ({ name: 'board', boardId: Number(m[1]), taskId: null }),
  ],
  [
    new RegExp(`^/boards/${ID}/tasks/${ID}/?$`),
    (m) => ({ name: 'board', boardId: Number(m[1]), taskId: Number(m[2]) }),
  ],
  // A card link as Trello and Planka users know it: the same dialog.
  [
    new RegExp(`^/boards/${ID}/cards/${ID}/?$`),
    (m) => ({ name: 'board', boardId: Number(m[1]), taskId: Number(m[2]) }),
  ],
];

/** Only same-site paths are followed after sign-in. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

export function parseRoute(pathname: string, search = ''): Route {
  const query = new URLSearchParams(search);
  for (const [pattern, make] of patterns) {
    const m = pattern.exec(pathname);
    if (m) return make(m, query);
  }
  return { name: 'not-found', path: pathname };
}

export const paths = {
  boards: () => '/',
  board: (id: number) => `/boards/${id}`,
  task: (boardId: number, taskId: number) => `/boards/${boardId}/tasks/${taskId}`,
  login: (next?: string) => (next ? `/login?next=${encodeURIComponent(next)}` : '/login'),
  register: (next?: string) => (next ? `/register?next=${encodeURIComponent(next)}` : '/register'),
  admin: () => '/backends',
};

const listeners = new Set<() => void>();
let current: { key: string; route: Route } | null = null;

function snapshot(): Route {
  const key = location.pathname + location.search;
  if (current?.key !== key)
    current = { key, route: parseRoute(location.pathname, location.search) };
  return current.route;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onPop = () => listener();
  window.addEventListener('popstate', onPop);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', onPop);
  };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of [...listeners]) listener();
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

export function currentPath(): string {
  return location.pathname + location.search;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; replace?: boolean };

/** An <a> that navigates in-app on a plain click and behaves like a link otherwise. */
export function Link({ to, replace, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    navigate(to, { replace });
  };
  return createElement('a', { ...rest, href: to, onClick: handle });
}
