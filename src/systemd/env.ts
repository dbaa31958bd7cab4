/**
 * What systemd tells a service through its environment: where to send
 * notifications (NOTIFY_SOCKET) and whether, and how often, it expects
 * watchdog pings (WATCHDOG_USEC, for the process WATCHDOG_PID).
 */
export interface SystemdEnv {
  /** A socket path, or `@name` for an abstract socket; undefined outside systemd. */
  notifySocket: string | undefined;
  /** WatchdogSec= in ms; undefined when no watchdog is set or it is for another process. */
  watchdogMs: number | undefined;
}

const NAMES = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/** Reads the variables as sd_notify(3) and sd_watchdog_enabled(3) do. */
export function readSystemdEnv(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): SystemdEnv {
  const socket = env.NOTIFY_SOCKET;
  const notifySocket = socket && (socket.startsWith('/') || socket.startsWith('@')) ? socket : undefined;
  return { notifySocket, watchdogMs: watchdogMs(env, pid) };
}

function watchdogMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = env.WATCHDOG_USEC;
  if (!usec || !/^\d{1,15}$/.test(usec)) return undefined;
  const ms = Number(usec) / 1000;
  if (!(ms > 0)) return undefined;
  const forPid = env.WATCHDOG_PID;
  // Set for another process (a parent's watchdog leaked through exec): not ours.
  if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) return undefined;
  return ms;
}

/**
 * Removes the variables once read, as sd_notify's unset_environment does, so
 * that children (VLC, udevadm) neither inherit nor misuse them.
 */
export function forgetSystemdEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of NAMES) delete env[name];
}
