import { type BoardBackground, type BoardBackgroundInput, sbError } from '@switchboard/core';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from '../store/board-access.js';
import type { Db } from '../store/db.js';
import type { UnsplashClient } from './unsplash-client.js';

export interface ResolvedBackground {
  background: BoardBackground;
  /** Set when a new Unsplash photo was chosen: Unsplash's download tracking, to call once after commit. */
  downloadLocation?: string;
}

/**
 * Turns a requested background into the stored one. A colour or gradient is
 * itself; an Unsplash photo is looked up by id with the server's key, so the
 * URLs and attribution on the board come from Unsplash, never from a client.
 * The lookup happens before the write's transaction (no network call under
 * the board's lock) and only for someone who may change the board, so
 * viewers and strangers cannot spend the key's quota; the write checks again.
 */
export async function resolveBackground(
  db: Db,
  unsplash: UnsplashClient | undefined,
  actor: Actor,
  boardId: number,
  input: BoardBackgroundInput,
): Promise<ResolvedBackground> {
  if (input === null || input.kind !== 'unsplash') return { background: input };
  const { board } = await accessBoard(db, boardId, actor, 'board.rename');
  if (!unsplash) throw sbError('SB_ERR_UNSPLASH_DISABLED');
  const current = board.background;
  // The same photo again: nothing to fetch, nothing changes, no download to count.
  if (current?.kind === 'unsplash' && current.photo_id === input.photo_id) {
    return { background: current };
  }
  const chosen = await unsplash.photo(input.photo_id);
  return { background: chosen.background, downloadLocation: chosen.downloadLocation };
}
