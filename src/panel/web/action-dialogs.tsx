import { useState } from 'preact/hooks';
import { seatsOf } from './commands-text.js';
import { Dialog } from './dialog.js';
import { lockChoice, lockText, mediaCounts, mediaText } from './target-state.js';
import { TargetPicker, targetOf, type TargetKey } from './target-picker.js';
import type { Act } from './use-act.js';
import type { CommandStatus, Layout, SeatSummary, Target } from './wire.js';

export type CabinDialog = 'lock' | 'media' | 'message' | 'volume';

/** What the cabin dialogs read of the cabin now. */
interface CabinNow {
  layout: Layout;
  seats: ReadonlyMap<string, SeatSummary>;
  /** Recent commands and standing orders: a lock hidden under a PA still counts. */
  commands: readonly CommandStatus[];
  act: Act;
  onClose: () => void;
}

const LOCK_REASON = 'locked by the crew from the panel';
export const MESSAGE_MAX = 280;

export const PRESET_MESSAGES: readonly { text: string; level: Level }[] = [
  { text: 'Please return to your seat and fasten your seat belt.', level: 'warn' },
  { text: 'Meal service will begin shortly.', level: 'info' },
  { text: 'We will be landing soon. Please finish what you are watching.', level: 'info' },
  { text: 'Duty-free sales are now open.', level: 'info' },
];

type Level = 'info' | 'warn' | 'urgent';
const LEVELS: [Level, string][] = [
  ['info', 'Info'],
  ['warn', 'Warning'],
  ['urgent', 'Urgent'],
];

/** Offers what applies to the seats picked: Lock, Unlock, or both (saying how many are locked) when they differ. */
function LockDialog({ layout, seats, commands, act, onClose }: CabinNow) {
  const [key, setKey] = useState<TargetKey>('all');
  const choice = lockChoice(seatsOf(targetOf(key), layout), seats, commands);
  const send = (cmd: 'seat.lock' | 'seat.unlock') => {
    act.command(targetOf(key), cmd, { reason: cmd === 'seat.lock' ? LOCK_REASON : 'unlocked by the crew from the panel' });
    onClose();
  };
  return (
    <Dialog title="Lock or unlock screens" onClose={onClose}>
      <TargetPicker layout={layout} value={key} onChange={setKey} />
      <p class="lock-state" data-testid="lock-state" data-offer={choice.offer} aria-live="polite">
        {lockText(choice)}
      </p>
      <p class="hint">Passengers cannot use a locked screen until you unlock it.</p>
      <div class="button-row">
        {choice.offer !== 'unlock' && (
          <button type="button" class="primary big" onClick={() => send('seat.lock')}>
            Lock
          </button>
        )}
        {choice.offer !== 'lock' && (
          <button type="button" class={`${choice.offer === 'unlock' ? 'primary' : 'secondary'} big`} onClick={() => send('seat.unlock')}>
            Unlock
          </button>
        )}
      </div>
    </Dialog>
  );
}

type MediaCmd = 'media.pause' | 'media.resume';
const MEDIA_WORDS: Record<MediaCmd, { button: string; cabin: string; ask: string }> = {
  'media.pause': { button: 'Pause all media', cabin: 'Pause whole cabin', ask: 'Pause the film or music on' },
  'media.resume': { button: 'Resume media', cabin: 'Resume whole cabin', ask: 'Resume the film or music on' },
};

/**
 * Pause or resume every passenger's film or music. The whole cabin asks once
 * more: one stray tap must not stop (or restart) three hundred films.
 */
function MediaDialog({ layout, seats, act, onClose }: CabinNow) {
  const [key, setKey] = useState<TargetKey>('all');
  const [confirm, setConfirm] = useState<MediaCmd | null>(null);
  const target = targetOf(key);
  const counts = mediaCounts(seatsOf(target, layout), seats);
  const go = (cmd: MediaCmd) => (act.command(target, cmd), onClose());
  const ask = (cmd: MediaCmd) => ('all' in target ? setConfirm(cmd) : go(cmd));
  if (confirm) {
    const w = MEDIA_WORDS[confirm];
    return (
      <Dialog title="Pause or resume media" onClose={onClose}>
        <div class="message-form confirm" role="alertdialog" aria-label="Confirm for the whole cabin">
          <p class="confirm-text">
            {w.ask} <b>every screen in the cabin</b> ({layout.seats} seats)?
          </p>
          <p class="hint">{mediaText(counts)}</p>
          <div class="button-row">
            <button type="button" class="primary big" onClick={() => go(confirm)} data-action="confirm-media">
              {w.cabin}
            </button>
            <button type="button" class="secondary big" onClick={() => setConfirm(null)}>
              Back
            </button>
          </div>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Pause or resume media" onClose={onClose}>
      <TargetPicker layout={layout} value={key} onChange={setKey} />
      <p class="lock-state" data-testid="media-state" aria-live="polite">
        {mediaText(counts)}
      </p>
      <p class="hint">Each passenger's film or music stops where it is, and carries on from there when you resume.</p>
      <div class="button-row">
        <button type="button" class="primary big" onClick={() => ask('media.pause')} data-action="pause-media">
          {MEDIA_WORDS['media.pause'].button}
        </button>
        <button type="button" class="secondary big" onClick={() => ask('media.resume')} data-action="resume-media">
          {MEDIA_WORDS['media.resume'].button}
        </button>
      </div>
    </Dialog>
  );
}

const LEVEL_RANK: Record<Level, number> = { info: 0, warn: 1, urgent: 2 };

/** A ready-made message goes at the level the crew chose, or its own if that is higher (Urgent always wins). */
export function presetLevel(preset: Level, chosen: Level): Level {
  return LEVEL_RANK[chosen] > LEVEL_RANK[preset] ? chosen : preset;
}

/**
 * Message composer shared by the cabin dialog and a single seat's detail. A
 * message to the whole cabin asks once more before it goes: one stray tap
 * must not put text on 300 screens.
 */
export function MessageForm({ act, target, onSent, seats }: { act: Act; target: () => Target; onSent?: () => void; seats?: (t: Target) => number }) {
  const [text, setText] = useState('');
  const [level, setLevel] = useState<Level>('info');
  const [confirm, setConfirm] = useState<{ text: string; level: Level } | null>(null);
  const go = (t: string, l: Level) => {
    act.command(target(), 'message.show', { text: t, level: l });
    setConfirm(null);
    onSent?.();
  };
  const send = (t: string, l: Level) => ('all' in target() ? setConfirm({ text: t, level: l }) : go(t, l));
  if (confirm) {
    const n = seats?.(target());
    return (
      <div class="message-form confirm" role="alertdialog" aria-label="Confirm a message to the whole cabin">
        <p class="confirm-text">
          Send {confirm.level === 'info' ? 'this message' : <b>this {confirm.level === 'urgent' ? 'urgent' : 'warning'} message</b>} to <b>every screen in the cabin</b>
          {n ? ` (${n} seats)` : ''}?
        </p>
        <blockquote class="confirm-quote">{confirm.text}</blockquote>
        <div class="button-row">
          <button type="button" class="primary big" onClick={() => go(confirm.text, confirm.level)} data-action="confirm-message">
            Send to whole cabin
          </button>
          <button type="button" class="secondary big" onClick={() => setConfirm(null)}>
            Back
          </button>
        </div>
      </div>
    );
  }
  return (
    <div class="message-form">
      <p class="hint">Tap a message to send it, or type your own. The level you pick applies to both.</p>
      <div class="presets">
        {PRESET_MESSAGES.map((p) => (
          <button type="button" class="preset" key={p.text} onClick={() => send(p.text, presetLevel(p.level, level))}>
            {p.text}
          </button>
        ))}
      </div>
      <textarea aria-label="Your own message" placeholder="Your message…" maxLength={MESSAGE_MAX} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <div class="button-row wrap">
        <div class="segmented compact" role="radiogroup" aria-label="How urgent">
          {LEVELS.map(([l, label]) => (
            <button type="button" role="radio" aria-checked={level === l} class={level === l ? `seg on level-${l}` : 'seg'} key={l} onClick={() => setLevel(l)}>
              {level === l && '✓ '}
              {label}
            </button>
          ))}
        </div>
        <button type="button" class="primary" disabled={text.trim() === ''} onClick={() => send(text.trim(), level)}>
          Send
        </button>
        <button type="button" class="secondary" onClick={() => (act.command(target(), 'message.clear'), onSent?.())}>
          Clear message
        </button>
      </div>
    </div>
  );
}

function MessageDialog({ layout, act, onClose }: { layout: Layout; act: Act; onClose: () => void }) {
  const [key, setKey] = useState<TargetKey>('all');
  return (
    <Dialog title="Message to screens" onClose={onClose} wide>
      <TargetPicker layout={layout} value={key} onChange={setKey} />
      <MessageForm act={act} target={() => targetOf(key)} onSent={onClose} seats={() => layout.seats} />
    </Dialog>
  );
}

function VolumeDialog({ layout, act, onClose }: { layout: Layout; act: Act; onClose: () => void }) {
  const [key, setKey] = useState<TargetKey>('all');
  const [max, setMax] = useState(7);
  return (
    <Dialog title="Volume limit" onClose={onClose}>
      <TargetPicker layout={layout} value={key} onChange={setKey} />
      <div class="stepper" aria-label="Highest volume">
        <button type="button" class="step" aria-label="Lower" onClick={() => setMax((m) => Math.max(0, m - 1))}>
          −
        </button>
        <output aria-live="polite">
          {max}
          <small>of 10</small>
        </output>
        <button type="button" class="step" aria-label="Higher" onClick={() => setMax((m) => Math.min(10, m + 1))}>
          +
        </button>
      </div>
      <div class="button-row">
        <button type="button" class="primary big" onClick={() => (act.command(targetOf(key), 'volume.cap', { max }), onClose())}>
          Limit to {max}
        </button>
        <button type="button" class="secondary big" onClick={() => (act.command(targetOf(key), 'volume.cap', { max: 10 }), onClose())}>
          No limit
        </button>
      </div>
    </Dialog>
  );
}

export function CabinDialogs({ which, ...now }: { which: CabinDialog } & CabinNow) {
  const { layout, act, onClose } = now;
  if (which === 'lock') return <LockDialog {...now} />;
  if (which === 'media') return <MediaDialog {...now} />;
  if (which === 'message') return <MessageDialog layout={layout} act={act} onClose={onClose} />;
  return <VolumeDialog layout={layout} act={act} onClose={onClose} />;
}
