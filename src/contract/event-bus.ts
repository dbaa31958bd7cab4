import { Subject, type Observable } from 'rxjs';
import type { CabinEvent, CabinEventType, EventDeclarations, Persistence } from './events.js';

/** A feature declared an event type another had declared differently: two meanings for one name. */
export class EventDeclarationError extends Error {}

/**
 * The one event bus. Every event of the controller goes through it: seat
 * events from polls, crew actions, commands, PA, features' own. Subscribers
 * choose: `events$` (all, for live views) or `stored$` (the history).
 * Publishing a type nobody declared is a programming mistake, but costs no
 * event: it counts as live only, and is reported once.
 */
export class EventBus {
  readonly #subject = new Subject<CabinEvent>();
  readonly #persistence = new Map<string, { p: Persistence; by: string }>();
  readonly #undeclared = new Set<string>();
  readonly events$: Observable<CabinEvent> = this.#subject.asObservable();

  constructor(private readonly onUndeclared: (type: string) => void = () => undefined) {}

  declare(decls: EventDeclarations, by: string): void {
    for (const [type, p] of Object.entries(decls) as [CabinEventType, Persistence][]) {
      const had = this.#persistence.get(type);
      if (had && had.p !== p) throw new EventDeclarationError(`event ${type} is declared ${had.p} by ${had.by} and ${p} by ${by}`);
      this.#persistence.set(type, { p, by });
    }
  }

  persistence(type: string): Persistence {
    return this.#persistence.get(type)?.p ?? 'live';
  }

  isStored(ev: CabinEvent): boolean {
    return this.#persistence.get(ev.type)?.p === 'stored';
  }

  /** Every declared type with its persistence, for docs and the console. */
  declared(): Record<string, Persistence> {
    return Object.fromEntries([...this.#persistence].map(([t, { p }]) => [t, p]));
  }

  publish(ev: CabinEvent): void {
    if (!this.#persistence.has(ev.type) && !this.#undeclared.has(ev.type)) {
      this.#undeclared.add(ev.type);
      this.onUndeclared(ev.type);
    }
    this.#subject.next(ev);
  }

  complete(): void {
    this.#subject.complete();
  }
}
