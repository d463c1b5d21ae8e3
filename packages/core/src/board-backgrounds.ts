/**
 * Board backgrounds: a fixed, named set of colours and gradients so every
 * client paints a board the same way, and a photo from Unsplash. The board's
 * own text (its title, the add-column button) is white on the canvas, so each
 * colour, and each end of each gradient, keeps at least 4.5:1 against white
 * (WCAG AA for normal text; a test checks it). Columns and cards keep their
 * own opaque surfaces and are never drawn straight on the background.
 */
export const backgroundColors = [
  'blue',
  'sky',
  'teal',
  'green',
  'olive',
  'orange',
  'red',
  'pink',
  'purple',
  'slate',
] as const;
export type BackgroundColor = (typeof backgroundColors)[number];

export const backgroundColorValues: Readonly<Record<BackgroundColor, string>> = {
  blue: '#1D4ED8',
  sky: '#0369A1',
  teal: '#0F766E',
  green: '#15803D',
  olive: '#4D7C0F',
  orange: '#C2410C',
  red: '#B91C1C',
  pink: '#BE185D',
  purple: '#7E22CE',
  slate: '#334155',
};

export const backgroundGradients = ['ocean', 'sunset', 'forest', 'dusk', 'berry', 'night'] as const;
export type BackgroundGradient = (typeof backgroundGradients)[number];

/** Each gradient's two ends (top left → bottom right). */
export const backgroundGradientStops: Readonly<
  Record<BackgroundGradient, readonly [string, string]>
> = {
  ocean: ['#1D4ED8', '#0E7490'],
  sunset: ['#C2410C', '#BE185D'],
  forest: ['#166534', '#0F766E'],
  dusk: ['#4338CA', '#9D174D'],
  berry: ['#86198F', '#5B21B6'],
  night: ['#0F172A', '#334155'],
};

/** The CSS `background` of a gradient. */
export function gradientCss(gradient: BackgroundGradient): string {
  const [from, to] = backgroundGradientStops[gradient];
  return `linear-gradient(135deg, ${from} 0%, ${to} 100%)`;
}

interface BackgroundLike {
  kind: 'color' | 'gradient' | 'unsplash';
  color?: string;
  gradient?: string;
  photo_id?: string;
}

/** Whether two backgrounds are the same choice (a photo is the same photo by id). */
export function sameBackground(a: BackgroundLike | null, b: BackgroundLike | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'color') return a.color === b.color;
  if (a.kind === 'gradient') return a.gradient === b.gradient;
  return a.photo_id === b.photo_id;
}
