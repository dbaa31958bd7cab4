import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { getJson } from '../http-client.js';
import { controllerUrl, parseOptions } from '../options.js';
import { faultsText, type FaultDetail } from '../fault-text.js';
import { ago, renderTable } from '../table.js';
import { lasting } from '../time-text.js';

interface SeatRow {
  seat: string;
  zone: string;
  status: string;
  lastPollAt: number | null;
  serial: string | null;
  firmware: string | null;
  media: string | null;
  call: boolean;
  /** Wall ms the call was pressed (dated back by the seat); absent from controllers before it was sent. */
  callSince?: number | null;
  faults: string[];
  faultDetails?: FaultDetail[];
  update: string | null;
}

export const command: CliCommand = {
  name: 'seats',
  summary: 'show the seats of a running controller as a table',
  help: `Usage: purser seats [--controller URL] [--zone Z] [--offline | --online] [--faults] [--calls] [--json]

Lists every seat of the cabin with its status, LRU, firmware, media state,
attendant call (and how long the passenger has waited), faults with their
severity (most severe first) and when it last polled, from a running
controller's API. \`purser seat 12A\` shows one seat in detail.

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
    const now = Date.now();
    const rows = res.seats.map((s) => [
      s.seat,
      s.zone,
      s.status.toUpperCase(),
      s.serial ?? '-',
      s.firmware ?? '-',
      s.media ?? '-',
      s.call ? (typeof s.callSince === 'number' ? `call ${lasting(now - s.callSince)}` : 'CALL') : '',
      faultsText(s.faultDetails, s.faults),
      s.update && s.update !== 'idle' ? s.update : '',
      ago(s.lastPollAt, now),
    ]);
    console.log(renderTable(['SEAT', 'ZONE', 'STATUS', 'LRU', 'FIRMWARE', 'MEDIA', 'CALL', 'FAULTS', 'UPDATE', 'LAST POLL'], rows));
    console.log(`\n${res.matched} shown of ${res.total} seats; ${res.online} online.`);
    return 0;
  },
};
