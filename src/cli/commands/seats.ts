import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { getJson } from '../http-client.js';
import { controllerUrl, parseOptions } from '../options.js';
import { ago, renderTable } from '../table.js';

interface SeatRow {
  seat: string;
  zone: string;
  status: string;
  lastPollAt: number | null;
  serial: string | null;
  firmware: string | null;
  media: string | null;
  call: boolean;
  faults: string[];
  update: string | null;
}

export const command: CliCommand = {
  name: 'seats',
  summary: 'show the seats of a running controller as a table',
  help: `Usage: purser seats [--controller URL] [--zone Z] [--offline | --online] [--faults] [--calls] [--json]

Lists every seat of the cabin with its status, LRU, firmware, media state,
attendant call and faults, from a running controller's API.

  --controller URL  default $PURSER_URL or http://127.0.0.1:8080
  --zone Z          only seats in zone Z (e.g. J)
  --offline         only seats not heard from for 3 poll intervals
  --online          only seats polling now
  --faults          only seats with a fault
  --calls           only seats with the attendant call on
  --json            print the API's JSON instead of a table`,
  async run(args) {
    const { values } = parseOptions(args, {
      controller: { type: 'string' },
      zone: { type: 'string' },
      offline: { type: 'boolean' },
      online: { type: 'boolean' },
      faults: { type: 'boolean' },
      calls: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.offline && values.online) throw new UsageError('--offline and --online exclude each other');
    const q = new URLSearchParams();
    if (values.zone) q.set('zone', values.zone.toUpperCase());
    if (values.offline) q.set('status', 'offline');
    if (values.online) q.set('status', 'online');
    if (values.faults) q.set('fault', 'true');
    if (values.calls) q.set('call', 'true');
    const base = controllerUrl(values.controller);
    const res = await getJson<{ total: number; online: number; matched: number; seats: SeatRow[] }>(base, `/api/v1/seats${q.size ? `?${q}` : ''}`);
    if (values.json) {
      console.log(JSON.stringify(res, null, 2));
      return 0;
    }
    const rows = res.seats.map((s) => [
      s.seat,
      s.zone,
      s.status.toUpperCase(),
      s.serial ?? '-',
      s.firmware ?? '-',
      s.media ?? '-',
      s.call ? 'CALL' : '',
      s.faults.join(',') || '',
      s.update && s.update !== 'idle' ? s.update : '',
      ago(s.lastPollAt),
    ]);
    console.log(renderTable(['SEAT', 'ZONE', 'STATUS', 'LRU', 'FIRMWARE', 'MEDIA', 'CALL', 'FAULTS', 'UPDATE', 'LAST POLL'], rows));
    console.log(`\n${res.matched} shown of ${res.total} seats; ${res.online} online.`);
    return 0;
  },
};
