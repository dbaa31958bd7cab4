// What one `seats` table costs on the event loop, measured in-process on a
// real registry whose seats have all polled: the console's own table code,
// rendered fresh each time (a shared render that never hits).
import { SeatRegistry } from '../../src/cabin/registry.js';
import { cabinCommands, type CabinView } from '../../src/console/cabin-commands.js';
import { SharedRender } from '../../src/console/shared-render.js';
import type { CommandIo } from '../../src/console/types.js';
import { EventBus } from '../../src/contract/event-bus.js';
import { buildLayout } from '../../src/config/layout.js';
import { pollBody } from '../../test/helpers/poll.js';

export function seatsRenderCost(rows: number, runs = 50): { seats: number; meanUs: number; maxUs: number; bytes: number } {
  const layout = buildLayout({ rows, letters: 'ABC DEF', zones: { J: '1-5', Y: `6-${rows}` } });
  const registry = new SeatRegistry(layout, 1000, new EventBus());
  const wall = Date.now();
  for (const s of layout.seats) registry.accept(pollBody(s.id, { clockAt: wall }), { mono: 1, wall });
  const render = new SharedRender({ maxAgeMs: 0, minAgeMs: 0 });
  const table = cabinCommands({ layout, registry } as unknown as CabinView, { seatsRender: render });
  let bytes = 0;
  const io = { out: (t: string) => (bytes = t.length), err: () => undefined, signal: new AbortController().signal, user: { name: 'bench', role: 'technician' }, columns: 80, interactive: false } as unknown as CommandIo;
  for (let i = 0; i < 5; i++) table.seats!.run([], io); // warm-up
  const before = { ...render.stats };
  let maxUs = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    table.seats!.run([], io);
    maxUs = Math.max(maxUs, (performance.now() - t0) * 1000);
  }
  const meanUs = (render.stats.renderMicros - before.renderMicros) / (render.stats.renders - before.renders);
  return { seats: layout.seats.length, meanUs: Math.round(meanUs), maxUs: Math.round(maxUs), bytes };
}
