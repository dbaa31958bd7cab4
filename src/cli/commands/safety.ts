import { setTimeout as sleep } from 'node:timers/promises';
import type { SafetyStatus } from '../../channels/safety-video.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { getJson, postAction } from '../http-client.js';
import { controllerUrl, intOption, parseOptions } from '../options.js';
import { Progress } from '../progress.js';
import { resolveToken } from '../token.js';

function describe(s: SafetyStatus): string {
  const pos = s.position === null ? '' : ` at ${Math.round(s.position * 100)}%`;
  const paused = s.pausedFor ? ` (paused for the ${s.pausedFor} PA)` : '';
  const d = s.delivery;
  const seats = d ? `; seats: ${d.acked}/${d.targeted} acknowledged, ${d.watching} receiving${d.offline ? `, ${d.offline} offline` : ''}` : '';
  const last = !d && s.lastEnd ? `; last ${s.lastEnd.reason} at ${new Date(s.lastEnd.at).toISOString()} by ${s.lastEnd.by}` : '';
  return `safety video "${s.name}" (${s.group}): ${s.state}${pos}${paused}${s.onAir ? ', on air' : ''}${seats}${last}`;
}

export const command: CliCommand = {
  name: 'safety',
  summary: 'play, stop or show the safety video at every seat',
  help: `Usage: purser safety play|stop|status [options]

  play     restart the safety video from its beginning at every seat (locked,
           unskippable), then show its delivery seat by seat until every seat
           receives it or --timeout passes
  stop     stop it and release every seat
  status   what it is doing now

Options:
  --controller URL   default $PURSER_URL or http://127.0.0.1:8080
  --token T          API bearer token; default $PURSER_TOKEN or api.token in --state-dir
  --state-dir DIR    where the local controller keeps api.token
  --timeout S        seconds to show delivery after play (default 10)
  --no-wait          return as soon as the controller accepted
  --json             print the status as JSON

Exit status: 0 done (play: every seat receives it), 3 play not delivered to every
seat within --timeout, 2 bad usage, 1 refused or unreachable (VLC down: 1).`,
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      { controller: { type: 'string' }, token: { type: 'string' }, 'state-dir': { type: 'string' }, timeout: { type: 'string' }, 'no-wait': { type: 'boolean' }, json: { type: 'boolean' } },
      true,
    );
    const verb = positionals[0];
    if (positionals.length !== 1 || !['play', 'stop', 'status'].includes(verb!)) throw new UsageError('say play, stop or status, e.g. `purser safety play`');
    const base = controllerUrl(values.controller);
    const waitS = intOption(values.timeout, 'timeout', 1, 3600) ?? 10;
    if (verb === 'status') {
      const { safety } = await getJson<{ safety: SafetyStatus }>(base, '/api/v1/safety');
      console.log(values.json ? JSON.stringify(safety, null, 2) : describe(safety));
      return 0;
    }
    const token = await resolveToken(values.token, values['state-dir']);
    if (!token) throw new UsageError('no API token: pass --token, set PURSER_TOKEN, or point --state-dir at the controller state');
    let { safety } = await postAction<{ safety: SafetyStatus }>(base, `/api/v1/safety/${verb}`, token);
    if (verb === 'stop' || values['no-wait']) {
      console.log(values.json ? JSON.stringify(safety, null, 2) : describe(safety));
      return 0;
    }
    const progress = new Progress();
    const deadline = Date.now() + waitS * 1000;
    for (;;) {
      const d = safety.delivery;
      if (d) progress.update(d.watching, d.targeted, `seats receiving (${d.acked} acknowledged${d.offline ? `, ${d.offline} offline` : ''})${safety.pausedFor ? `; paused for the ${safety.pausedFor} PA` : ''}`);
      if (!d || d.watching >= d.targeted || Date.now() > deadline) break;
      await sleep(250);
      safety = (await getJson<{ safety: SafetyStatus }>(base, '/api/v1/safety')).safety;
    }
    progress.end();
    console.log(values.json ? JSON.stringify(safety, null, 2) : describe(safety));
    const d = safety.delivery;
    return !d || d.watching >= d.targeted ? 0 : 3;
  },
};
