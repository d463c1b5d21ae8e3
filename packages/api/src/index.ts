export { buildApp } from './app.js';
export type { AppDeps, Readiness } from './app-deps.js';
export { apiConfig, apiConfigFromEnv, ConfigError, authModes, busKinds } from './config.js';
export type { ApiConfig, AuthMode, BusKind } from './config.js';
export { createDeps, startApi } from './server.js';
export type { RunningApi } from './server.js';
export { openDatabase } from './store/db.js';
export type { Db, DatabaseHandle } from './store/db.js';
export { migrateToLatest, migrationNames } from './store/migrate.js';
