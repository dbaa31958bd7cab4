import type { JSX } from 'preact';
import type { Tone } from './seat-look.js';

/** Inline SVG symbols: no icon font or emoji font needed, crisp at any size, distinct in shape. */
const PATHS: Readonly<Record<Tone | 'close' | 'message' | 'volume' | 'reboot' | 'swap', JSX.Element>> = {
  call: (
    <>
      <path d="M6 17h12l-1.6-2.2V10a4.4 4.4 0 0 0-8.8 0v4.8z" fill="currentColor" />
      <path d="M10 19.2a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="2" />
    </>
  ),
  answered: (
    <>
      <path d="M6 17h12l-1.6-2.2V10a4.4 4.4 0 0 0-8.8 0v4.8z" fill="none" stroke="currentColor" stroke-width="2" />
      <path d="M9 11.5l2 2 4-4" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" />
    </>
  ),
  offline: <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="3" stroke-linecap="round" fill="none" />,
  fault: (
    <>
      <path d="M12 3.5L22 20.5H2z" fill="currentColor" />
      <path d="M12 9.5v5.2M12 17.2v.3" stroke="var(--glyph-cut, #000)" stroke-width="2.4" stroke-linecap="round" />
    </>
  ),
  updating: <path d="M12 4v10m-4.5-4.5L12 14l4.5-4.5M5 19h14" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" fill="none" />,
  pa: (
    <>
      <path d="M3 10v4h4l5 4V6L7 10z" fill="currentColor" />
      <path d="M15.5 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none" />
    </>
  ),
  safety: <path d="M12 2.5l8 3v6c0 5-3.5 8.5-8 10-4.5-1.5-8-5-8-10v-6z" fill="currentColor" />,
  locked: (
    <>
      <rect x="5" y="10.5" width="14" height="10" rx="1.5" fill="currentColor" />
      <path d="M8 10.5V8a4 4 0 0 1 8 0v2.5" stroke="currentColor" stroke-width="2.4" fill="none" />
    </>
  ),
  paused: (
    <>
      <rect x="6" y="5" width="4" height="14" rx="1" fill="currentColor" />
      <rect x="14" y="5" width="4" height="14" rx="1" fill="currentColor" />
    </>
  ),
  playing: <path d="M7 4.5v15l12.5-7.5z" fill="currentColor" />,
  idle: <circle cx="12" cy="12" r="4.5" stroke="currentColor" stroke-width="2.2" fill="none" />,
  close: <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" fill="none" />,
  message: <path d="M4 4.5h16a1.5 1.5 0 0 1 1.5 1.5v9a1.5 1.5 0 0 1-1.5 1.5H10l-5 4v-4H4A1.5 1.5 0 0 1 2.5 15V6A1.5 1.5 0 0 1 4 4.5z" fill="currentColor" />,
  volume: (
    <>
      <path d="M3 10v4h4l5 4V6L7 10z" fill="currentColor" />
      <path d="M15 14v4M18 11v7M21 8v10" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" />
    </>
  ),
  reboot: (
    <>
      <path d="M19 12a7 7 0 1 1-2.1-5" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" fill="none" />
      <path d="M18.5 3v5h-5" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" fill="none" />
    </>
  ),
  // A unit moving between seats: two opposed arrows.
  swap: <path d="M4 8h14m-4-4l4 4-4 4M20 16H6m4-4l-4 4 4 4" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" fill="none" />,
};

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 20, class: cls }: { name: IconName; size?: number; class?: string }) {
  return (
    <svg class={cls} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {PATHS[name]}
    </svg>
  );
}
