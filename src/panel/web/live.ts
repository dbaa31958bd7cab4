import type { LiveFrame, LiveFrameName } from './wire.js';

/** The live stream for the life of the page: one EventSource, reopened by us when the browser gives up on it. */
export interface LiveHandlers {
  open(): void;
  frame(frame: LiveFrame): void;
  down(): void;
}

/** Frame kinds of GET /api/v1/events (the server's LiveFrames): a new event type or entity kind needs none of its own. */
export const LIVE_EVENTS = ['seat', 'cabin', 'live', 'entity'] as const satisfies readonly LiveFrameName[];
// A frame kind the server adds and the page does not listen for fails the typecheck here.
export const LISTENS_TO_EVERY_FRAME: Exclude<LiveFrameName, (typeof LIVE_EVENTS)[number]> extends never ? true : false = true;
const MAX_BACKOFF_MS = 8000;

export function connectLive(h: LiveHandlers, url = '/api/v1/events'): void {
  let backoff = 1000;

  const open = () => {
    const es = new EventSource(url);
    es.onopen = () => {
      backoff = 1000;
      h.open();
    };
    for (const name of LIVE_EVENTS) {
      es.addEventListener(name, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return; // not from this controller's stream (a proxy's page, say): nothing to apply
        }
        // The stream's one trust boundary: the controller wrote this frame with sseFrame(name, ...).
        h.frame({ event: name, data } as LiveFrame);
      });
    }
    es.onerror = () => {
      h.down();
      // The browser retries a dropped stream itself, but not one answered with an error (e.g. 503 while the controller stops).
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(open, backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    };
  };
  open();
}
