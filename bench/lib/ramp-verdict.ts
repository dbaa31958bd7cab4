/** What a ramp step is judged on: the seats' figures, and the load generator's and host's own. */
export interface StepFigures {
  seats: number;
  answeredPerSec: number;
  failed: number;
  errors: Record<string, number>;
  p99Ms: number | null;
  generatorLoopLag: { p99Ms: number | null };
  hostCpuPercent: number;
  /** The server's own event-loop lag, where it reports one (the controller's /metrics; a bare peer has none). */
  serverLoopLag?: { p99Ms: number | null };
  serverCpuPercent?: number;
}

export interface RampLimits {
  /** A step whose p99 passes this falls short (20 ms in bench:poll). */
  p99Ms: number;
  /** A load generator whose loop lag p99 passes this measures its own delays: a step it fails is invalid (5 ms). */
  generatorLagMs: number;
}

export type Verdict = { ok: true } | { ok: false; by: 'controller' | 'generator'; why: string };

/**
 * Whether a ramp step counts as sustained; if not, whether the server or the
 * load generator fell short. A step falls short on a failed poll, a p99 over
 * the limit or fewer than 95 % of the polls answered; it is the generator's
 * doing (the step is invalid) when the generator's own loop lagged, since
 * then its delays are in the latencies and its polls went out late; unless
 * the server's own event loop lagged past the p99 limit, measured inside the
 * server: then the server was the queue the polls waited in (a saturated
 * single-threaded loop), whatever the generator's few milliseconds. A step
 * that passes although the generator lagged still counts: the lag only makes
 * the server look worse.
 */
export function judgeStep(w: StepFigures, limits: RampLimits): Verdict {
  const fault =
    w.failed > 0
      ? `polls failed: ${JSON.stringify(w.errors)}`
      : w.p99Ms === null || w.p99Ms > limits.p99Ms
        ? `p99 ${w.p99Ms} ms > ${limits.p99Ms} ms`
        : w.answeredPerSec < 0.95 * w.seats
          ? `only ${w.answeredPerSec} of ${w.seats} polls/s answered`
          : undefined;
  if (fault === undefined) return { ok: true };
  const serverLag = w.serverLoopLag?.p99Ms ?? 0;
  if (serverLag > limits.p99Ms) {
    const cpu = w.serverCpuPercent === undefined ? '' : ` at ${w.serverCpuPercent} % of a core`;
    return { ok: false, by: 'controller', why: `${fault}; the server's own event loop lagged ${serverLag} ms (p99)${cpu}: the polls waited on the server itself` };
  }
  const lag = w.generatorLoopLag.p99Ms ?? 0;
  if (lag > limits.generatorLagMs) {
    return { ok: false, by: 'generator', why: `${fault}, but the load generator's loop lag p99 was ${lag} ms (> ${limits.generatorLagMs} ms): the step is invalid, not a controller failure` };
  }
  const host = w.hostCpuPercent > 90 ? ` (the host's cores were ${w.hostCpuPercent} % busy: server and load share them)` : '';
  return { ok: false, by: 'controller', why: `${fault}${host}` };
}
