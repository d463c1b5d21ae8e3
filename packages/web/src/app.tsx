import type { User } from '@switchboard/core';
import { lazy, Suspense, useEffect, useState } from 'react';
import { errorText } from './api/error-text';
import { setTheme, effectiveTheme } from './lib/theme';
import { useShortcut } from './lib/shortcuts';
import { AuthPage } from './pages/auth-page';
import { BoardPage } from './pages/board-page';
import { BoardsPage } from './pages/boards-page';
import { currentPath, Link, navigate, paths, type Route, useRoute } from './router';
import { useServices, useSession } from './services-context';
import type { Session } from './state/session';
import { Avatar } from './ui/avatar';
import { ConnectionBadge } from './ui/connection-badge';
import { BoardArt, Icon, Logo } from './ui/icons';
import { Menu } from './ui/menu';
import { RequestsPanel } from './ui/requests-panel';
import { ShortcutsDialog } from './ui/shortcuts-dialog';
import { ThemeToggle } from './ui/theme-toggle';
import { Toaster } from './ui/toasts';

// The dashboard (and its chart library) loads only when someone opens it.
const AdminPage = lazy(() => import('./admin/admin-page').then((m) => ({ default: m.AdminPage })));

export function App() {
  const { session: sessions, realtime } = useServices();
  const session = useSession();
  const route = useRoute();
  const [requestsOpen, setRequestsOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);

  useEffect(() => {
    void sessions.load();
  }, [sessions]);

  // The socket runs while someone is signed in.
  const signedIn = session.status === 'signed-in';
  useEffect(() => {
    if (!signedIn) return;
    realtime.start();
    return () => realtime.stop();
  }, [signedIn, realtime]);

  // Signed out on a page that needs an account: go to the login, then come back.
  useEffect(() => {
    if (session.status === 'signed-out' && needsAccount(route)) {
      navigate(paths.login(currentPath() === '/' ? undefined : currentPath()), { replace: true });
    }
    if (session.status === 'signed-in' && (route.name === 'login' || route.name === 'register')) {
      navigate(route.next ?? paths.boards(), { replace: true });
    }
  }, [session, route]);

  useShortcut('?', () => setHelpOpen(true));
  useShortcut('.', () => setRequestsOpen((o) => !o));
  useShortcut('t', () => setTheme(effectiveTheme() === 'dark' ? 'light' : 'dark'));

  useEffect(() => {
    document.title = titleFor(route);
  }, [route]);

  let page;
  if (route.name === 'admin') {
    page = (
      <Shell
        session={session}
        route={route}
        onRequests={() => setRequestsOpen((o) => !o)}
        onHelp={() => setHelpOpen(true)}
      >
        <Suspense fallback={<Splash />}>
          <AdminPage />
        </Suspense>
      </Shell>
    );
  } else if (session.status === 'loading') {
    page = <Splash />;
  } else if (session.status === 'unreachable') {
    page = <Unreachable message={errorText(session.error)} />;
  } else if (session.status === 'signed-out') {
    page =
      route.name === 'register' || route.name === 'login' ? (
        <AuthPage mode={route.name} next={route.next} />
      ) : (
        <Splash />
      );
  } else {
    page = (
      <Shell
        session={session}
        route={route}
        onRequests={() => setRequestsOpen((o) => !o)}
        onHelp={() => setHelpOpen(true)}
      >
        <SignedInPage route={route} user={session.user} openMode={session.authMode === 'open'} />
      </Shell>
    );
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {page}
      {requestsOpen && <RequestsPanel onClose={() => setRequestsOpen(false)} />}
      <ShortcutsDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      <Toaster />
    </>
  );
}

function needsAccount(route: Route): boolean {
  return route.name !== 'login' && route.name !== 'register' && route.name !== 'admin';
}

function titleFor(route: Route): string {
  switch (route.name) {
    case 'login':
      return 'Sign in · Switchboard';
    case 'register':
      return 'Create an account · Switchboard';
    case 'admin':
      return 'Backends · Switchboard';
    case 'board':
      return 'Board · Switchboard';
    default:
      return 'Switchboard';
  }
}

function SignedInPage({ route, user, openMode }: { route: Route; user: User; openMode: boolean }) {
  switch (route.name) {
    case 'board':
      return (
        <main id="main" style={{ display: 'contents' }}>
          <BoardPage
            boardId={route.boardId}
            taskId={route.taskId}
            user={user}
            openMode={openMode}
          />
        </main>
      );
    case 'boards':
      return <BoardsPage openMode={openMode} />;
    case 'not-found':
      return (
        <main className="not-found" id="main">
          <div className="empty">
            <BoardArt />
            <h1>Nothing here</h1>
            <p>There is no page at {route.path}.</p>
            <Link className="btn btn-primary" to={paths.boards()}>
              Go to your boards
            </Link>
          </div>
        </main>
      );
    default:
      return <Splash />;
  }
}

function Shell({
  session,
  route,
  children,
  onRequests,
  onHelp,
}: {
  session: Session;
  route: Route;
  children: React.ReactNode;
  onRequests: () => void;
  onHelp: () => void;
}) {
  const { session: sessions } = useServices();
  const user = session.status === 'signed-in' ? session.user : null;
  const open = session.status === 'signed-in' && session.authMode === 'open';
  return (
    <>
      <header className="topbar">
        <Link className="brand" to={paths.boards()} aria-label="Switchboard — all boards">
          <Logo />
          <span className="brand-name">Switchboard</span>
        </Link>
        {route.name === 'board' && (
          <nav className="topbar-crumb" aria-label="Breadcrumb">
            <Icon name="chevronLeft" />
            <Link to={paths.boards()}>Boards</Link>
          </nav>
        )}
        <div className="topbar-spacer" />
        <div className="topbar-actions">
          {user && <ConnectionBadge />}
          {open && (
            <span className="mode-badge" title="AUTH_MODE=open: no accounts, every board is shared">
              Open mode
            </span>
          )}
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            onClick={onRequests}
            aria-label="Requests and backends (.)"
            title="Requests and the backends that served them (.)"
          >
            <Icon name="activity" />
          </button>
          <button
            type="button"
            className="btn btn-ghost btn-icon hide-sm"
            onClick={onHelp}
            aria-label="Keyboard shortcuts (?)"
            title="Keyboard shortcuts (?)"
          >
            <Icon name="keyboard" />
          </button>
          <ThemeToggle />
          {user && (
            <Menu
              label={`Account: ${user.username}`}
              buttonClass="user-chip"
              icon={
                <>
                  <Avatar name={user.username} size="sm" />
                  <span className="hide-sm">{user.username}</span>
                </>
              }
              items={[
                {
                  label: 'All boards',
                  icon: <Icon name="columns" />,
                  onSelect: () => navigate(paths.boards()),
                },
                {
                  label: 'Backends (proxy admin)',
                  icon: <Icon name="server" />,
                  onSelect: () => navigate(paths.admin()),
                },
                'separator',
                {
                  label: 'Sign out',
                  icon: <Icon name="logout" />,
                  hidden: open,
                  onSelect: () =>
                    void sessions.signOut().then(() => navigate(paths.login(), { replace: true })),
                },
              ]}
            />
          )}
        </div>
      </header>
      {children}
    </>
  );
}

function Splash() {
  return (
    <div style={{ display: 'grid', placeItems: 'center', height: '100dvh' }} aria-busy="true">
      <div className="brand" style={{ opacity: 0.7 }}>
        <Logo /> Switchboard
      </div>
    </div>
  );
}

function Unreachable({ message }: { message: string }) {
  const { session } = useServices();
  return (
    <main className="auth-page" id="main">
      <div className="auth-card" role="alert">
        <div className="brand">
          <Logo /> Switchboard
        </div>
        <h1>Can’t reach Switchboard</h1>
        <p className="lead">{message}</p>
        <button
          type="button"
          className="btn btn-primary btn-block"
          onClick={() => void session.load()}
        >
          <Icon name="refresh" /> Try again
        </button>
      </div>
    </main>
  );
}
