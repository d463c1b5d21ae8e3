/**
 * One API instance for the attachments benchmark, in a process of its own so
 * its memory is measured alone: prints its URL on the first line of stdout.
 */
import { apiConfig } from '../src/config.js';
import { startApi } from '../src/server.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const api = await startApi(apiConfig({ databaseUrl: url, host: '127.0.0.1' }));
process.stdout.write(`${api.url}\n`);
process.on('SIGTERM', () => void api.close().then(() => process.exit(0)));
