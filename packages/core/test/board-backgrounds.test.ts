import { describe, expect, it } from 'vitest';
import {
  backgroundColors,
  backgroundColorValues,
  backgroundGradients,
  backgroundGradientStops,
  boardBackgroundInputSchema,
  boardSchema,
  contrastRatio,
  gradientCss,
  sameBackground,
} from '../src/index.js';

describe('board backgrounds', () => {
  it('every colour and both ends of every gradient keep 4.5:1 against white text', () => {
    for (const color of backgroundColors) {
      expect(contrastRatio(backgroundColorValues[color], '#FFFFFF'), color).toBeGreaterThanOrEqual(
        4.5,
      );
    }
    for (const gradient of backgroundGradients) {
      for (const stop of backgroundGradientStops[gradient]) {
        expect(contrastRatio(stop, '#FFFFFF'), `${gradient} ${stop}`).toBeGreaterThanOrEqual(4.5);
      }
      expect(gradientCss(gradient)).toMatch(
        /^linear-gradient\(135deg, #[0-9A-F]{6} 0%, #[0-9A-F]{6} 100%\)$/,
      );
    }
  });

  it('a photo is the same choice by id; colours and gradients by name', () => {
    expect(sameBackground(null, null)).toBe(true);
    expect(sameBackground(null, { kind: 'color', color: 'blue' })).toBe(false);
    expect(sameBackground({ kind: 'color', color: 'blue' }, { kind: 'color', color: 'blue' })).toBe(
      true,
    );
    expect(
      sameBackground({ kind: 'color', color: 'blue' }, { kind: 'gradient', gradient: 'ocean' }),
    ).toBe(false);
    expect(
      sameBackground({ kind: 'unsplash', photo_id: 'a' }, { kind: 'unsplash', photo_id: 'a' }),
    ).toBe(true);
    expect(
      sameBackground({ kind: 'unsplash', photo_id: 'a' }, { kind: 'unsplash', photo_id: 'b' }),
    ).toBe(false);
  });

  it('clients name a photo by id only; URLs are never taken from them', () => {
    expect(
      boardBackgroundInputSchema.safeParse({ kind: 'unsplash', photo_id: 'Dwu85P9SOIk' }).success,
    ).toBe(true);
    expect(
      boardBackgroundInputSchema.safeParse({
        kind: 'unsplash',
        photo_id: 'Dwu85P9SOIk',
        urls: { full: 'https://evil.example/x' },
      }).success,
    ).toBe(false);
    expect(boardBackgroundInputSchema.safeParse(null).success).toBe(true);
  });

  it('boards logged before backgrounds existed read as none', () => {
    const board = boardSchema.parse({
      id: 1,
      title: 'Old',
      archived: false,
      created_by: 1,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      version: 1,
      seq: 1,
      role: 'owner',
    });
    expect(board.background).toBeNull();
  });
});
