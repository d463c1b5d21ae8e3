import type { User } from '@switchboard/core';
import { useSyncExternalStore } from 'react';
import { api } from '../api/endpoints';
import { ApiError, onUnauthenticated } from '../api/http';

export type AuthMode = 'accounts' | 'open';

export type Session =
  | { status: 'loading' }
  | { status: 'signed-out'; authMode: AuthMode }
  | { status: 'signed-in'; user: User; authMode: AuthMode }
  | { status: 'unreachable'; error: ApiError };

let session: Session = { status: 'loading' };
const listeners = new Set<() => void>();

function set(next: Session) {
  session = next;
  for (const l of listeners) l();
}

/** Asks the server who we are (and whether accounts are on at all). */
export async function loadSession(): Promise<void> {
  try {
    const me = await api.me();
    set({ status: 'signed-in', user: me.user, authMode: me.auth_mode });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      set({ status: 'signed-out', authMode: 'accounts' });
    } else {
      set({
        status: 'unreachable',
        error:
          error instanceof ApiError
            ? error
            : new ApiError(0, 'SB_ERR_NETWORK', 'The server could not be reached.'),
      });
    }
  }
}

export function signedIn(user: User): void {
  set({ status: 'signed-in', user, authMode: 'accounts' });
}

export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } catch {
    // The cookie may already be gone; signing out locally is what matters.
  }
  set({ status: 'signed-out', authMode: 'accounts' });
}

/** Accounts are off on this server: reload as the shared anonymous user. */
export function accountsDisabled(): Promise<void> {
  return loadSession();
}

onUnauthenticated(() => {
  if (session.status === 'signed-in' && session.authMode === 'accounts') {
    set({ status: 'signed-out', authMode: 'accounts' });
  }
});

export function useSession(): Session {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => session,
  );
}
