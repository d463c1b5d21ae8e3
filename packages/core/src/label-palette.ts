/**
 * Label colours: a fixed, named palette so every client draws a label the same
 * way. Each colour has a background and a text colour per theme whose contrast
 * is at least 4.5:1 (WCAG AA for normal text; a test checks it), and the names
 * keep colour from being the only cue: a label always shows its name.
 */
export const labelColors = [
  'gray',
  'red',
  'orange',
  'yellow',
  'green',
  'teal',
  'blue',
  'purple',
  'pink',
] as const;
export type LabelColor = (typeof labelColors)[number];

export interface LabelSwatch {
  background: string;
  text: string;
}

export const labelPalette: Readonly<Record<LabelColor, { light: LabelSwatch; dark: LabelSwatch }>> =
  {
    gray: {
      light: { background: '#E5E7EB', text: '#1F2937' },
      dark: { background: '#374151', text: '#F3F4F6' },
    },
    red: {
      light: { background: '#FEE2E2', text: '#991B1B' },
      dark: { background: '#7F1D1D', text: '#FEE2E2' },
    },
    orange: {
      light: { background: '#FFEDD5', text: '#9A3412' },
      dark: { background: '#7C2D12', text: '#FFEDD5' },
    },
    yellow: {
      light: { background: '#FEF9C3', text: '#854D0E' },
      dark: { background: '#713F12', text: '#FEF9C3' },
    },
    green: {
      light: { background: '#DCFCE7', text: '#166534' },
      dark: { background: '#14532D', text: '#DCFCE7' },
    },
    teal: {
      light: { background: '#CCFBF1', text: '#115E59' },
      dark: { background: '#134E4A', text: '#CCFBF1' },
    },
    blue: {
      light: { background: '#DBEAFE', text: '#1E40AF' },
      dark: { background: '#1E3A8A', text: '#DBEAFE' },
    },
    purple: {
      light: { background: '#F3E8FF', text: '#6B21A8' },
      dark: { background: '#581C87', text: '#F3E8FF' },
    },
    pink: {
      light: { background: '#FCE7F3', text: '#9D174D' },
      dark: { background: '#831843', text: '#FCE7F3' },
    },
  };

/** The colour a new label gets when none is given: the least used, in palette order. */
export function nextLabelColor(used: readonly LabelColor[]): LabelColor {
  const counts = new Map<LabelColor, number>(labelColors.map((c) => [c, 0]));
  for (const color of used) counts.set(color, (counts.get(color) ?? 0) + 1);
  let best: LabelColor = labelColors[1];
  let bestCount = Infinity;
  // Gray last: it reads as "no colour".
  for (const color of [...labelColors.slice(1), labelColors[0]]) {
    const count = counts.get(color)!;
    if (count < bestCount) {
      best = color;
      bestCount = count;
    }
  }
  return best;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG contrast ratio of two #RRGGBB colours (1–21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
