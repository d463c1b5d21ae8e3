import { Code, ConnectError } from '@connectrpc/connect';
import type { Actor } from '../auth/actor.js';
import type { RealtimeService } from '../realtime/service.js';
import { BoardWatch } from './board-watch.js';

/**
 * The instance's open watch streams, so a graceful close can end them with
 * UNAVAILABLE (clients then watch again elsewhere: seed clients re-list,
 * WatchBoard clients resume from their last seq).
 */
export class Watches {
  readonly #open = new Set<BoardWatch>();
  #closed = false;

  constructor(private readonly realtime: RealtimeService | undefined) {}

  get size(): number {
    return this.#open.size;
  }

  /** A watch of the board, ended by closeAll() if the instance stops first. */
  open(actor: Actor, boardId: number): BoardWatch {
    if (!this.realtime || this.#closed)
      throw new ConnectError('This instance is not serving streams; retry.', Code.Unavailable);
    const watch = new BoardWatch(this.realtime, actor, boardId);
    this.#open.add(watch);
    return watch;
  }

  forget(watch: BoardWatch): void {
    this.#open.delete(watch);
  }

  closeAll(): void {
    this.#closed = true;
    for (const watch of this.#open)
      watch.end(new ConnectError('The server is shutting down; watch again.', Code.Unavailable));
    this.#open.clear();
  }
}
