import type { Board, BoardBackground } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { backgroundLook } from '../src/lib/board-background';
import { boardUpdate } from '../src/state/ops/board-ops';
import { detail } from './support/fixtures';

const photo: BoardBackground = {
  kind: 'unsplash',
  photo_id: 'abc',
  urls: {
    full: 'https://images.unsplash.com/photo-abc?w=4000',
    regular: 'https://images.unsplash.com/photo-abc?w=1080',
    small: 'https://images.unsplash.com/photo-abc?w=400',
    thumb: 'https://images.unsplash.com/photo-abc?w=200',
  },
  color: '#2d4a5e',
  alt: null,
  photographer_name: 'Ada',
  photographer_url: 'https://unsplash.com/@ada?utm_source=switchboard&utm_medium=referral',
  unsplash_url: 'https://unsplash.com/photos/abc?utm_source=switchboard&utm_medium=referral',
};

function board(background: BoardBackground): { board: Board } {
  const { columns: _c, tasks: _t, members: _m, labels: _l, custom_fields: _f, ...b } = detail();
  return { board: { ...b, background } };
}

describe('board backgrounds in the web app', () => {
  it('paints colours, gradients and photos (dominant colour under the photo)', () => {
    expect(backgroundLook(null)).toEqual({ className: '', style: undefined });
    expect(backgroundLook({ kind: 'color', color: 'teal' })).toEqual({
      className: 'has-background',
      style: { '--board-bg': '#0F766E' },
    });
    expect(backgroundLook({ kind: 'gradient', gradient: 'night' }).style).toEqual({
      '--board-bg': 'linear-gradient(135deg, #0F172A 0%, #334155 100%)',
    });
    expect(backgroundLook(photo)).toEqual({
      className: 'has-background has-photo',
      style: {
        '--board-bg': '#2d4a5e',
        '--board-photo': 'url("https://images.unsplash.com/photo-abc?w=1080")',
        '--board-photo-large': 'url("https://images.unsplash.com/photo-abc?w=4000")',
      },
    });
  });

  it('shows a colour at once, but a photo only once the server has its details', () => {
    const draft = board(null);
    boardUpdate.apply(draft as never, {
      kind: 'board.update',
      patch: { background: { kind: 'color', color: 'red' } },
    });
    expect(draft.board.background).toEqual({ kind: 'color', color: 'red' });
    boardUpdate.apply(draft as never, {
      kind: 'board.update',
      patch: { background: { kind: 'unsplash', photo_id: 'abc' } },
    });
    expect(draft.board.background).toEqual({ kind: 'color', color: 'red' });
    boardUpdate.apply(draft as never, { kind: 'board.update', patch: { background: null } });
    expect(draft.board.background).toBeNull();
  });
});
