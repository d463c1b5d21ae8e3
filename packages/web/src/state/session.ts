import type { User } from '@switchboard/core';
import type { Api } from '../api/endpoints';
import { ApiError } from '../api/http';

export type AuthMode = 'accounts' | 'open';

export type Session =
  | { status: 'loading' }
  | { status: 'signed-out'; authMode: AuthMode }
  | { status: 'signed-in'; user: User; authMode: AuthMode }
  | { status: 'unreachable'; error: ApiError };

/** Who is signed in (and whether accounts are on at all), observable by React. */
export class SessionStore {
  private session: Session = { status: 'loading' };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly api: Pick<Api, 'session' | 'logout'>) {}

  get = (): Session => this.session;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Asks the server who we are; being signed out is an answer, not an error. */
  async load(): Promise<void> {
    try {
      const info = await this.api.session();
      this.set(
        info.user
          ? { status: 'signed-in', user: info.user, authMode: info.auth_mode }
          : { status: 'signed-out', authMode: info.auth_mode },
      );
    } catch (error) {
      this.set({
        status: 'unreachable',
        error:
          error instanceof ApiError
            ? error
            : new ApiError(0, 'SB_ERR_NETWORK', 'The server could not be reached.'),
      });
    }
  }

  signedIn(user: User): void {
    this.set({ status: 'signed-in', user, authMode: 'accounts' });
  }

  async signOut(): Promise<void> {
    try {
      await this.api.logout();
    } catch {
      // The cookie may already be gone; signing out locally is what matters.
    }
    this.set({ status: 'signed-out', authMode: 'accounts' });
  }

  /** Accounts are off on this server: reload as the shared anonymous user. */
  accountsDisabled(): Promise<void> {
    return this.load();
  }

  /** Some request got 401: the session ended elsewhere (logout in another tab, expiry). */
  lost(): void {
    if (this.session.status === 'signed-in' && this.session.authMode === 'accounts') {
      this.set({ status: 'signed-out', authMode: 'accounts' });
    }
  }

  private set(next: Session): void {
    this.session = next;
    for (const l of this.listeners) l();
  }
}
