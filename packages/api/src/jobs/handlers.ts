import { purgeExpiredTask, purgeJobKind } from '../store/trash.js';
import type { JobHandler } from './job-runner.js';

/** Every kind of job the API runs, by name. Reminders and webhooks join here. */
export function jobHandlers(): Record<string, JobHandler> {
  return { [purgeJobKind]: purgeExpiredTask };
}
