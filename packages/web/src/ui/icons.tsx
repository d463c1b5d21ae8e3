import type { SVGProps } from 'react';

/** A small icon set (24×24, 2px strokes) drawn inline so it follows currentColor. */
const paths = {
  plus: 'M12 5v14M5 12h14',
  x: 'M18 6 6 18M6 6l12 12',
  check: 'M20 6 9 17l-5-5',
  search: 'M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM21 21l-4.3-4.3',
  more: 'M5 12h.01M12 12h.01M19 12h.01',
  grip: 'M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01',
  sun: 'M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4',
  moon: 'M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z',
  activity: 'M22 12h-4l-3 9L9 3l-3 9H2',
  logout: 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9',
  users:
    'M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM23 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8',
  archive: 'M21 8v13H3V8M1 3h22v5H1zM10 12h4',
  trash:
    'M3 6h18M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6',
  calendar: 'M3 5h18v16H3zM16 3v4M8 3v4M3 10h18',
  tag: 'M20.6 13.4 13.4 20.6a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8zM7.5 7.5h.01',
  edit: 'M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z',
  chevronLeft: 'M15 18l-6-6 6-6',
  alert:
    'M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0zM12 9v4M12 17h.01',
  server: 'M2 2h20v8H2zM2 14h20v8H2zM6 6h.01M6 18h.01',
  shield: 'M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z',
  text: 'M4 6h16M4 12h16M4 18h10',
  keyboard: 'M2 6h20v12H2zM6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10',
  leave: 'M10 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h4M14 7l-5 5 5 5M9 12h12',
  refresh: 'M23 4v6h-6M1 20v-6h6M3.5 9a9 9 0 0 1 14.9-3.4L23 10M1 14l4.6 4.4A9 9 0 0 0 20.5 15',
  columns: 'M3 3h7v18H3zM14 3h7v18h-7z',
  image: 'M3 3h18v18H3zM8.5 10a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zM21 15l-5-5L5 21',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  paperclip:
    'm21.4 11.1-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5',
  upload: 'M12 3v12M7 8l5-5 5 5M5 21h14',
  download: 'M12 3v12M7 10l5 5 5-5M5 21h14',
  file: 'M14 3H6v18h12V7zM14 3v4h4',
  comment: 'M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z',
  history: 'M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5M12 7v5l4 2',
  restore: 'M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5',
  up: 'm18 15-6-6-6 6',
  down: 'm6 9 6 6 6-6',
  sliders: 'M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6',
  link: 'M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.8 1.7M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, ...rest }: { name: IconName } & SVGProps<SVGSVGElement>) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...rest}
    >
      <path d={paths[name]} />
    </svg>
  );
}

export function Logo() {
  return (
    <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="var(--accent)" />
      <rect x="7" y="8" width="5" height="16" rx="2" fill="var(--on-accent)" />
      <rect x="13.5" y="8" width="5" height="10" rx="2" fill="var(--on-accent)" opacity="0.8" />
      <rect x="20" y="8" width="5" height="13" rx="2" fill="var(--on-accent)" opacity="0.6" />
    </svg>
  );
}

/** Empty-state art: three columns with a few cards. */
export function BoardArt() {
  return (
    <svg className="empty-art" viewBox="0 0 120 90" aria-hidden="true">
      <rect x="4" y="8" width="34" height="74" rx="6" fill="currentColor" opacity="0.12" />
      <rect x="43" y="8" width="34" height="56" rx="6" fill="currentColor" opacity="0.12" />
      <rect x="82" y="8" width="34" height="40" rx="6" fill="currentColor" opacity="0.12" />
      <rect x="8" y="14" width="26" height="12" rx="3" fill="currentColor" opacity="0.55" />
      <rect x="8" y="30" width="26" height="12" rx="3" fill="currentColor" opacity="0.35" />
      <rect x="47" y="14" width="26" height="12" rx="3" fill="currentColor" opacity="0.55" />
      <rect x="86" y="14" width="26" height="12" rx="3" fill="currentColor" opacity="0.8" />
    </svg>
  );
}
