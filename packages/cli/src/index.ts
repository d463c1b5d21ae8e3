export { freePort, startEmbeddedPostgres } from './embedded-postgres.js';
export type { EmbeddedDatabase, EmbeddedOptions } from './embedded-postgres.js';
