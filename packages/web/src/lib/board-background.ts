import { backgroundColorValues, type BoardBackground, gradientCss } from '@switchboard/core';
import type { CSSProperties } from 'react';

/** A URL as a CSS string (quotes and backslashes escaped). */
const cssUrl = (url: string) => `url(${JSON.stringify(url)})`;

/**
 * The board page's look for a background: a class that switches its header
 * and canvas text to white over a scrim, and custom properties the stylesheet
 * paints (a photo shows its dominant colour until it has loaded; small
 * screens load the 1080 px rendition, large ones the full one).
 */
export function backgroundLook(background: BoardBackground): {
  className: string;
  style: CSSProperties | undefined;
} {
  if (!background) return { className: '', style: undefined };
  switch (background.kind) {
    case 'color':
      return {
        className: 'has-background',
        style: { '--board-bg': backgroundColorValues[background.color] } as CSSProperties,
      };
    case 'gradient':
      return {
        className: 'has-background',
        style: { '--board-bg': gradientCss(background.gradient) } as CSSProperties,
      };
    case 'unsplash':
      return {
        className: 'has-background has-photo',
        style: {
          '--board-bg': background.color,
          '--board-photo': cssUrl(background.urls.regular),
          '--board-photo-large': cssUrl(background.urls.full),
        } as CSSProperties,
      };
  }
}

/** A CSS `background` for a small preview of a board's background (a board tile's strip). */
export function backgroundPreview(background: BoardBackground): string | undefined {
  if (!background) return undefined;
  switch (background.kind) {
    case 'color':
      return backgroundColorValues[background.color];
    case 'gradient':
      return gradientCss(background.gradient);
    case 'unsplash':
      return `${background.color} ${cssUrl(background.urls.small)} center / cover`;
  }
}
