/** The live stream: one EventSource, reopened by us when the browser gives up on it. */
export interface LiveHandlers {
  open(): void;
  frame(event: string, data: unknown): void;
  down(): void;
}

export const LIVE_EVENTS = ['seat', 'cabin', 'delivery', 'alert'] as const;
const MAX_BACKOFF_MS = 8000;

export function connectLive(h: LiveHandlers, url = '/api/v1/events'): () => void {
  let es: EventSource | undefined;
  let backoff = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const open = () => {
    es = new EventSource(url);
    es.onopen = () => {
      backoff = 1000;
      h.open();
    };
    for (const name of LIVE_EVENTS) {
      es.addEventListener(name, (e) => {
        try {
          h.frame(name, JSON.parse((e as MessageEvent<string>).data));
        } catch {
          // A frame we cannot read is skipped; the next snapshot puts things right.
        }
      });
    }
    es.onerror = () => {
      h.down();
      // The browser retries a dropped stream itself, but not one answered with an error (e.g. 503 while the controller stops).
      if (es?.readyState === EventSource.CLOSED && !stopped) {
        timer = setTimeout(open, backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    es?.close();
  };
}
