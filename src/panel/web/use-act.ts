import { useCallback, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, newIdempotencyKey } from './api.js';
import { store } from './store.js';
import type { CommandStatus, Role, SessionView, Target } from './wire.js';

export interface LoginRequest {
  /** Only this role's PIN will do (reboot needs a technician). */
  role?: Role;
  note?: string;
  then?: () => void;
}

export interface Act {
  /** Runs fn with a session of at least `role`, asking for a PIN first if there is none. */
  run(fn: () => Promise<unknown>, role?: Role): void;
  command(target: Target, cmd: string, args?: Record<string, unknown>, role?: Role): void;
  /** A POST that acts (safety, alerts, moves...), with its Idempotency-Key; `then` gets the answer. */
  post<T = unknown>(path: string, body?: unknown, role?: Role, then?: (answer: T) => void): void;
  askLogin(req?: LoginRequest): void;
  loggedIn(session: SessionView): void;
  logout(): void;
  login: LoginRequest | null;
  closeLogin(): void;
  toast: string | null;
}

const TOAST_MS = 6000;

const hasRole = (role: Role) => {
  const r = store.state.session?.session?.role;
  return r === 'technician' || (r === 'crew' && role === 'crew');
};

function setSession(session: SessionView | null): void {
  const roles = store.state.session?.roles ?? { crew: false, technician: false };
  store.dispatch({ type: 'session', session: { session, roles } });
}

/** The one way the page acts: sessions, PIN prompts, failures shown in words. */
export function useAct(): Act {
  const [login, setLogin] = useState<LoginRequest | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  const toastTimer = useRef<ReturnType<typeof setTimeout>>();

  const say = useCallback((text: string) => {
    setToast(text);
    clearTimeout(toastTimer.current);
    toastTimer.current = setTimeout(() => setToast(null), TOAST_MS);
  }, []);

  const exec = useCallback(
    async (fn: () => Promise<unknown>, role: Role) => {
      try {
        await fn();
      } catch (e) {
        if (e instanceof ApiFailure && e.status === 401) {
          setSession(null);
          setLogin({ role, note: 'Your session has ended: enter your PIN to carry on.', then: () => void exec(fn, role) });
        } else if (e instanceof ApiFailure && e.status === 403 && e.code === 'FORBIDDEN') {
          setLogin({ role: 'technician', note: 'This needs a technician PIN.', then: () => void exec(fn, 'technician') });
        } else {
          say(e instanceof Error ? e.message : String(e));
        }
      }
    },
    [say],
  );

  const run = useCallback(
    (fn: () => Promise<unknown>, role: Role = 'crew') => {
      if (hasRole(role)) void exec(fn, role);
      else setLogin({ role, ...(role === 'technician' ? { note: 'This needs a technician PIN.' } : {}), then: () => void exec(fn, role) });
    },
    [exec],
  );

  const command = useCallback(
    (target: Target, cmd: string, args: Record<string, unknown> = {}, role: Role = 'crew') => {
      // One key per click, kept when the same action is run again after a PIN prompt or a failure:
      // a POST whose answer was lost then returns the first command instead of sending a second.
      const key = newIdempotencyKey();
      run(async () => {
        const { command: status } = await api.act<{ command: CommandStatus }>('/api/v1/commands', { target, cmd, args }, key);
        store.dispatch({ type: 'delivery', command: status });
      }, role);
    },
    [run],
  );

  const post = useCallback(
    <T,>(path: string, body: unknown = {}, role: Role = 'crew', then?: (answer: T) => void) => {
      // As for a command: one key per click, the same on the run after a PIN prompt or a retry.
      const key = newIdempotencyKey();
      run(async () => {
        // Not `then?.(await ...)`: an optional call skips its arguments, and the POST with them.
        const answer = await api.act<T>(path, body, key);
        then?.(answer);
      }, role);
    },
    [run],
  );

  const loggedIn = useCallback(
    (session: SessionView) => {
      setSession(session);
      // A page that was shown nothing before the login loads the cabin now, stream and all.
      if (store.state.locked) location.reload();
      const then = login?.then;
      setLogin(null);
      then?.();
    },
    [login],
  );

  const logout = useCallback(() => {
    setSession(null);
    api.delete('/api/v1/session').catch(() => undefined);
  }, []);

  return { run, command, post, askLogin: (req = {}) => setLogin(req), loggedIn, logout, login, closeLogin: () => setLogin(null), toast };
}
