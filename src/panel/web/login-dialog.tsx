import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure } from './api.js';
import { Dialog } from './dialog.js';
import type { LoginRequest } from './use-act.js';
import type { Role, SessionView } from './wire.js';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'] as const;
const MAX_DIGITS = 12;

/** A number pad for the crew or technician PIN; the PIN itself says which role it is. */
export function LoginDialog({ req, roles, onDone, onClose }: { req: LoginRequest; roles: Record<Role, boolean>; onDone: (s: SessionView) => void; onClose: () => void }) {
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [waitUntil, setWaitUntil] = useState(0);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());
  const waiting = waitUntil > now;

  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [waiting]);

  const press = (k: (typeof KEYS)[number]) => {
    setError(null);
    if (k === 'clear') setPin('');
    else if (k === 'back') setPin((p) => p.slice(0, -1));
    else setPin((p) => (p.length < MAX_DIGITS ? p + k : p));
  };

  const submit = async () => {
    if (pin.length < 4 || busy || waiting) return;
    setBusy(true);
    try {
      const { session } = await api.post<{ session: SessionView }>('/api/v1/session', req.role ? { pin, role: req.role } : { pin });
      onDone(session);
    } catch (e) {
      setPin('');
      if (e instanceof ApiFailure && e.retryAfterS) {
        setWaitUntil(Date.now() + e.retryAfterS * 1000);
        setNow(Date.now());
      }
      setError(e instanceof ApiFailure && e.code === 'WRONG_PIN' ? 'That PIN is not right.' : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (/^[0-9]$/.test(e.key)) press(e.key as (typeof KEYS)[number]);
      else if (e.key === 'Backspace') press('back');
      else if (e.key === 'Enter') void submit();
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  });

  const noPins = req.role ? !roles[req.role] : !roles.crew && !roles.technician;
  const title = req.role === 'technician' ? 'Technician PIN' : 'Enter your PIN';
  return (
    <Dialog title={title} onClose={onClose}>
      <div class="login">
        {req.note && <p class="login-note">{req.note}</p>}
        {noPins ? (
          <p class="login-error" role="alert">
            No {req.role ?? 'crew'} PIN is set on this controller. A technician sets one with <code>purser pin-hash</code> in the config (panel.{req.role ?? 'crew'}PinHash).
          </p>
        ) : (
          <>
            <div class="pin-dots" aria-label={`${pin.length} digits entered`} data-testid="pin-dots">
              {Array.from({ length: Math.max(4, pin.length) }, (_, i) => (
                <span class={i < pin.length ? 'dot on' : 'dot'} key={i} />
              ))}
            </div>
            <p class="login-error" role="alert">
              {waiting ? `Too many wrong PINs. Try again in ${Math.ceil((waitUntil - now) / 1000)} s.` : (error ?? ' ')}
            </p>
            <div class="pin-pad">
              {KEYS.map((k) => (
                <button type="button" key={k} class={`pin-key${k.length > 1 ? ' pin-fn' : ''}`} onClick={() => press(k)} disabled={busy || waiting} aria-label={k === 'back' ? 'Delete last digit' : k === 'clear' ? 'Clear' : k}>
                  {k === 'back' ? '⌫' : k === 'clear' ? 'Clear' : k}
                </button>
              ))}
            </div>
            <button type="button" class="primary wide-button" onClick={() => void submit()} disabled={pin.length < 4 || busy || waiting}>
              {busy ? 'Checking…' : 'Log in'}
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}
