import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Icon } from './icons.js';

/** A modal on top of the map: closes with its big X, Escape, or a tap outside. */
export function Dialog({ title, onClose, children, wide }: { title: ComponentChildren; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', key);
    ref.current?.focus();
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return (
    <div class="backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div class={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" tabIndex={-1} ref={ref}>
        <header class="dialog-head">
          <h2>{title}</h2>
          <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
            <Icon name="close" size={28} />
          </button>
        </header>
        <div class="dialog-body">{children}</div>
      </div>
    </div>
  );
}
