import { ConfigError } from '../config.js';
import type { Db } from './db.js';
import { anonymousUser } from './users.js';

/**
 * AUTH_MODE=open makes everyone the owner of every board. Started on a
 * database where people have accounts, it would show their private boards to
 * any visitor: refuse, naming the variable, before anything serves.
 */
export async function refuseOpenModeOverAccounts(db: Db): Promise<void> {
  const anonymous = await anonymousUser(db);
  const { accounts } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('accounts'))
    .where('id', '<>', anonymous.id)
    .executeTakeFirstOrThrow();
  if (Number(accounts) === 0) return;
  throw new ConfigError(
    'AUTH_MODE',
    `open mode would show every board of this database's ${accounts} account(s), private ones included, to anyone; ` +
      'run open mode on a data directory (DATA_DIR) or database (DATABASE_URL) of its own, or keep AUTH_MODE=accounts',
  );
}
