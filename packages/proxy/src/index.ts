/**
 * @switchboard/proxy — the load-balancing reverse proxy. See docs/proxy.md.
 */
export {
  loadProxyConfig,
  parseProxyConfig,
  ConfigError,
  isLoopback,
  type ProxyConfig,
  type ProxyConfigInput,
  type PoolConfig,
  type RouteConfig,
  type BackendConfig,
} from './config/load.js';
export { parseDuration, parseListen } from './config/duration.js';
export { startProxy } from './start.js';
export { ProxyServer } from './proxy-server.js';
export type { RunningProxy, StartOptions } from './types.js';
export { runProxyCli, buildCliConfig, parseCliFlags, withEnvironment } from './cli.js';
export type { CliFlags } from './cli.js';
export { proxyErrors, proxyError, type ProxyErrorCode } from './errors.js';
export { Analytics, type AnalyticsQuery, type AnalyticsResult } from './analytics/engine.js';
export {
  buildReport,
  formatReport,
  type TrafficReport,
  type ReportPeriod,
} from './analytics/report.js';
export type { BackendSnapshot, BackendStateName, CheckResult } from './backend.js';
export {
  STRATEGY_NAMES,
  createStrategy,
  type Strategy,
  type StrategyName,
} from './strategies/index.js';
export type { UpstreamPool } from './upstream-pool.js';
export {
  proxyKeyDocs,
  proxySettings,
  proxySecretKeys,
  type ProxySetting,
} from './config/descriptions.js';
