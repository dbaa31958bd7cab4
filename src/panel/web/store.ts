import { useEffect, useState } from 'preact/hooks';
import { initialState, reduce, type Action, type PanelState } from './state.js';

type Listener = (s: PanelState) => void;

/**
 * Holds the page state. Actions queue up and are applied once per frame: a PA
 * turning 300 seats within a second is a few renders, not 300.
 */
export class Store {
  #state: PanelState = initialState;
  #queue: Action[] = [];
  #listeners = new Set<Listener>();
  #scheduled = false;

  get state(): PanelState {
    return this.#state;
  }

  dispatch(a: Action): void {
    this.#queue.push(a);
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    const before = this.#state;
    for (const a of queue) this.#state = reduce(this.#state, a);
    if (this.#state !== before) for (const l of this.#listeners) l(this.#state);
  }

  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}

export const store = new Store();

export function usePanelState(): PanelState {
  const [s, set] = useState(store.state);
  useEffect(() => store.subscribe(set), []);
  return s;
}
