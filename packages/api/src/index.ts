export { buildApp } from './app.js';
export type { AppDeps, Readiness } from './app-deps.js';
export {
  apiConfig,
  apiConfigFromEnv,
  apiDefaults,
  apiVariableDocs,
  apiVariables,
  ConfigError,
  authModes,
  busKinds,
  logLevels,
} from './config.js';
export type { ApiConfig, ApiVariable, AuthMode, BusKind, VariableDoc } from './config.js';
export { createDeps, startApi } from './server.js';
export type { CreateOptions, RunningApi } from './server.js';
export { startRealtime } from './realtime/realtime.js';
export type { Realtime, RealtimeService } from './realtime/realtime.js';
export { defaultRealtimeOptions, realtimeOptions } from './realtime/options.js';
export { busNames } from './realtime/bus/bus-names.js';
export type { BusNames } from './realtime/bus/bus-names.js';
export type { RealtimeOptions, RealtimeOverrides } from './realtime/options.js';
export { openDatabase } from './store/db.js';
export type { Db, DatabaseHandle } from './store/db.js';
export {
  migrateToLatest,
  migrateWithinTransaction,
  migrationNames,
  MigrationError,
} from './store/migrate.js';
export type { QueryClient } from './store/migrate.js';
export { signingSecret } from './store/users.js';
export { refuseOpenModeOverAccounts } from './store/open-mode-guard.js';
export { isConnectionError, whileUnreachable } from './store/unreachable.js';
export { createTaskTrips } from './store/write-statements.js';
export type { WriteTrips } from './store/write-statements.js';
