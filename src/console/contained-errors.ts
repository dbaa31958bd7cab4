import { Counter, type Registry } from 'prom-client';
import { config as rxjsConfig } from 'rxjs';
import type { LogSink } from '../../core/log.js';
import { RateLimitedLog } from '../core/log.js';
import { onConsoleCallbackError } from './evaluator.js';

const describe = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/**
 * Errors whose damage is known to be contained are logged and counted
 * (`purser_contained_errors_total{source}`) instead of ending the process:
 *
 * - `rxjs`: a subscriber's callback threw. RxJS has already caught it and the
 *   stream and its other subscribers carry on; left alone, RxJS rethrows it
 *   on a timer, which is an uncaught exception and ends the controller. A
 *   technician's `bus.events$.subscribe(() => { throw ... })` is the common
 *   case, but any subscriber's bug is as contained.
 * - `console`: a console timer, listener or subscriber threw (the session
 *   saw it printed).
 *
 * Anything else uncaught keeps Node's default (docs/console.md): the process
 * exits and systemd restarts it, since after an unknown throw its state is
 * unknown. rxjs' config is process-wide: the last controller to start owns it.
 */
export function containErrors(registry: Registry, log: LogSink): Counter<'source'> {
  const counter = new Counter({ name: 'purser_contained_errors_total', help: 'Errors caught and logged instead of ending the process, by source', labelNames: ['source'] as const, registers: [registry] });
  const limited = new RateLimitedLog(log);
  rxjsConfig.onUnhandledError = (err) => {
    counter.inc({ source: 'rxjs' });
    limited.warn('rxjs', { err: describe(err) }, 'a subscriber threw: logged, its stream and the controller carry on');
  };
  onConsoleCallbackError((where, err) => {
    counter.inc({ source: 'console' });
    limited.warn('console', { where, err: describe(err) }, 'a console callback threw: printed to its session, the controller carries on');
  });
  return counter;
}
