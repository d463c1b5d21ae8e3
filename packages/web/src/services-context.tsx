import { createContext, type ReactNode, useContext, useEffect, useSyncExternalStore } from 'react';
import type { AppServices } from './app-services';
import type { ConnectionState } from './realtime/connection';
import type { Session } from './state/session';

const ServicesContext = createContext<AppServices | null>(null);

/** Hands the app's services down the tree and attaches them to the page while mounted. */
export function ServicesProvider({
  services,
  children,
}: {
  services: AppServices;
  children: ReactNode;
}) {
  useEffect(() => services.attach(), [services]);
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

export function useSession(): Session {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.get);
}

export function useConnection(): ConnectionState {
  const { realtime } = useServices();
  return useSyncExternalStore(realtime.subscribe, realtime.getState);
}
