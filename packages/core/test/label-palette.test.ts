import { describe, expect, it } from 'vitest';
import { contrastRatio, labelColors, labelPalette, nextLabelColor } from '../src/index.js';

describe('label palette', () => {
  it('every colour reads at 4.5:1 or better in both themes', () => {
    for (const color of labelColors) {
      for (const theme of ['light', 'dark'] as const) {
        const { background, text } = labelPalette[color][theme];
        expect(contrastRatio(background, text), `${color} ${theme}`).toBeGreaterThanOrEqual(4.5);
      }
    }
    expect(contrastRatio('#000000', '#FFFFFF')).toBeCloseTo(21);
  });

  it('a new label gets the least used colour, gray last', () => {
    expect(nextLabelColor([])).toBe('red');
    expect(nextLabelColor(['red'])).toBe('orange');
    const allButGray = labelColors.filter((c) => c !== 'gray');
    expect(nextLabelColor(allButGray)).toBe('gray');
    expect(nextLabelColor([...allButGray, 'gray'])).toBe('red');
  });
});
