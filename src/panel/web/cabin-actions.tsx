import { Icon } from './icons.js';
import type { CabinDialog } from './action-dialogs.js';
import type { Act } from './use-act.js';

/**
 * The cabin-wide actions, as big buttons. PA is one toggle: it says what it
 * will do, and is lit while the crew's PA is on.
 */
export function CabinActions({ paOn, paGroup, act, open }: { paOn: boolean; paGroup: string | null; act: Act; open: (d: CabinDialog) => void }) {
  const togglePa = () => {
    if (paOn) act.command({ all: true }, 'pa.end', { source: 'cabin' });
    else if (paGroup) act.command({ all: true }, 'pa.begin', { source: 'cabin', group: paGroup });
  };
  return (
    <section class="cabin-actions" aria-label="Cabin actions">
      <button type="button" class={`pa-button${paOn ? ' on' : ''}`} onClick={togglePa} disabled={!paOn && !paGroup} aria-pressed={paOn} data-action="pa">
        <Icon name="pa" size={30} />
        <span>
          {paOn ? 'End cabin PA' : 'Start cabin PA'}
          <small>{paOn ? 'every screen is on PA now' : paGroup ? 'pauses every screen for your announcement' : 'no cabin PA source configured'}</small>
        </span>
      </button>
      <div class="action-grid">
        <button type="button" class="action" onClick={() => open('lock')} data-action="lock">
          <Icon name="locked" size={24} />
          Lock / unlock
        </button>
        <button type="button" class="action" onClick={() => open('media')} data-action="media">
          <Icon name="paused" size={24} />
          Pause / resume
        </button>
        <button type="button" class="action" onClick={() => open('message')} data-action="message">
          <Icon name="message" size={24} />
          Message
        </button>
        <button type="button" class="action" onClick={() => open('volume')} data-action="volume">
          <Icon name="volume" size={24} />
          Volume limit
        </button>
      </div>
    </section>
  );
}
