import {
  type AuthMode,
  migrateToLatest,
  openDatabase,
  refuseOpenModeOverAccounts,
  signingSecret,
  whileUnreachable,
} from '@switchboard/api';

/**
 * Brings the database up to date before any instance starts, waiting out an
 * unreachable server (a DATABASE_URL still starting) instead of failing, and
 * refusing open mode over a database with accounts. Returns the signing
 * secret every instance and the proxy's per-user rate limits share.
 */
export async function prepareDatabase(
  databaseUrl: string,
  authMode: AuthMode,
  log: (line: string) => void,
): Promise<string> {
  const handle = openDatabase(databaseUrl, 2, 'switchboard-up');
  try {
    return await whileUnreachable(
      async () => {
        await migrateToLatest(handle.db);
        if (authMode === 'open') await refuseOpenModeOverAccounts(handle.db);
        return signingSecret(handle.db, process.env.JWT_SECRET);
      },
      { log },
    );
  } finally {
    await handle.close();
  }
}
