import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { initialDetectorState, nextDeadline, reduce, type DetectorConfig, type DetectorEvent, type DetectorStep } from './detector.js';

/** Monotonic time and a scheduler for timers; tests pass a TestScheduler and its now(). */
export interface Clock {
  now(): number;
  scheduler: SchedulerLike;
}

export interface TimedStep extends DetectorStep {
  at: number;
}

/**
 * Runs the detector over a stream of events, ticking it when a hang-over or a
 * stuck-input limit falls due. One timer at most, armed for the next deadline:
 * an idle cabin costs no wake-ups, and 50 packets a second cost no timer churn.
 */
export function runDetector(events$: Observable<DetectorEvent>, config: DetectorConfig, clock: Clock): Observable<TimedStep> {
  return new Observable<TimedStep>((subscriber) => {
    let state = initialDetectorState(config);
    let timer: Subscription | null = null;
    let timerAt = Infinity;

    const apply = (event: DetectorEvent): void => {
      const at = clock.now();
      const step = reduce(state, event, at);
      state = step.state;
      arm(at);
      subscriber.next({ ...step, at });
    };

    const arm = (now: number): void => {
      const deadline = nextDeadline(state) ?? Infinity;
      // A timer due sooner stays: when it fires, the tick re-arms for the later deadline.
      if (timer && timerAt <= deadline) return;
      timer?.unsubscribe();
      timer = null;
      timerAt = deadline;
      if (deadline === Infinity) return;
      timer = clock.scheduler.schedule(() => {
        timer = null;
        timerAt = Infinity;
        apply({ type: 'tick' });
      }, Math.max(0, Math.ceil(deadline - now)));
    };

    const subscription = events$.subscribe({
      next: apply,
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      subscription.unsubscribe();
      timer?.unsubscribe();
    };
  });
}
