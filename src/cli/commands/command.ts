import { setTimeout as sleep } from 'node:timers/promises';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { ControllerClientError, getJson, postAction } from '../http-client.js';
import { controllerUrl, intOption, parseOptions } from '../options.js';
import { Progress } from '../progress.js';
import { resolveToken } from '../token.js';
import { COMMAND_NAMES, isCommandName, VOCABULARY } from '../../../protocols/seat-command/vocabulary.js';
import { didYouMean, seats as seatsText } from '../suggest.js';

interface Status {
  seq: number;
  cmd: string;
  state: string;
  targeted: number;
  acked: number;
  pending: string[];
  offline: string[];
}

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean) : undefined);

/** Builds `args` for a command from flags; the controller validates the result against the vocabulary. */
function argsFor(cmd: string, v: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const pick = (keys: Record<string, unknown>) => Object.fromEntries(Object.entries(keys).filter(([, x]) => x !== undefined));
  switch (cmd) {
    case 'pa.begin':
      return { source: str('source') ?? 'cabin', group: str('group') ?? (str('source') === 'flightdeck' ? '239.255.20.2:5004' : '239.255.20.1:5004') };
    case 'pa.end':
      return { source: str('source') ?? 'cabin' };
    case 'seat.lock':
    case 'seat.unlock':
      return { reason: str('reason') ?? 'crew' };
    case 'volume.cap':
      return pick({ max: intOption(str('max'), 'max', 0, 10) });
    case 'channel.tune':
    case 'safety.play':
      return pick({ channel: str('channel'), group: str('group') });
    case 'message.show':
      return pick({ text: str('text'), level: str('level') ?? 'info' });
    case 'firmware.update':
      return pick({ model: str('model'), version: str('version'), url: str('url'), size: str('size') === undefined ? undefined : Number(str('size')), sha256: str('sha256'), signature: str('signature') });
    case 'content.sync':
      return pick({ catalogVersion: str('catalog-version'), url: str('url') });
    default:
      return {};
  }
}

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** What each argument looks like, for "safety.play needs --channel NAME and --group A.B.C.D:PORT". */
const ARG_FORM: Record<string, string> = { channel: 'NAME', group: 'A.B.C.D:PORT', reason: 'TEXT', max: '0-10', text: 'TEXT', model: 'M', version: 'V', url: 'URL', size: 'BYTES', sha256: 'HEX', signature: 'BASE64', catalogVersion: 'V' };

/** The command's name checked before anything is sent: a typo lists the commands. */
function checkName(cmd: string): void {
  if (isCommandName(cmd)) return;
  const near = didYouMean(cmd, COMMAND_NAMES);
  throw new UsageError(`unknown command "${cmd}"${near ? `: did you mean ${near}?` : ''}\nThe commands are: ${COMMAND_NAMES.join(', ')}`, false);
}

/** Every argument the vocabulary requires, asked for by its flag, not by its JSON path. */
function checkArgs(cmd: string, args: Record<string, unknown>): void {
  if (!isCommandName(cmd)) return;
  const missing = Object.keys(VOCABULARY[cmd]).filter((k) => args[k] === undefined);
  if (missing.length) throw new UsageError(`${cmd} needs ${missing.map((k) => `${flagOf(k)} ${ARG_FORM[k] ?? 'VALUE'}`).join(' and ')}`, false);
}

export const command: CliCommand = {
  name: 'command',
  summary: 'send a command to seats and watch its delivery',
  help: `Usage: purser command CMD (--all | --zone Z[,Z] | --seats 12A,12B) [args] [options]

Sends one seat command through a running controller, then shows how many of
the targeted seats have acknowledged it until all have, or --timeout passes.

Commands and their arguments:
  pa.begin [--source cabin|flightdeck|recorded] [--group A.B.C.D:PORT]
  pa.end [--source S]
  seat.lock / seat.unlock --reason TEXT
  media.pause / media.resume
  volume.cap --max 0-10
  channel.tune / safety.play --channel NAME --group A.B.C.D:PORT
  message.show --text TEXT [--level info|warn|urgent]      message.clear
  seat.reboot                                               (technician)
  firmware.update --model M --version V --url tftp://... --size N --sha256 H --signature S
  content.sync --catalog-version V --url URL

Options:
  --controller URL   default $PURSER_URL or http://127.0.0.1:8080
  --token T          API bearer token; default $PURSER_TOKEN or api.token in --state-dir
  --state-dir DIR    where the local controller keeps api.token
  --ttl-ms N         how long seats may still apply it (default: per command)
  --timeout S        seconds to wait for delivery (default 10)
  --no-wait          print the command's seq and return at once
  --json             print the final status as JSON

The request carries an Idempotency-Key: if the controller cannot be reached
or answers 502/503, it is sent again (up to 4 times) and never acts twice.

Exit status: 0 delivered to every targeted seat, 3 not delivered within --timeout,
2 bad usage, 1 refused or unreachable.`,
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      {
        all: { type: 'boolean' },
        zone: { type: 'string' },
        seats: { type: 'string' },
        source: { type: 'string' },
        group: { type: 'string' },
        reason: { type: 'string' },
        max: { type: 'string' },
        channel: { type: 'string' },
        text: { type: 'string' },
        level: { type: 'string' },
        model: { type: 'string' },
        version: { type: 'string' },
        url: { type: 'string' },
        size: { type: 'string' },
        sha256: { type: 'string' },
        signature: { type: 'string' },
        'catalog-version': { type: 'string' },
        controller: { type: 'string' },
        token: { type: 'string' },
        'state-dir': { type: 'string' },
        'ttl-ms': { type: 'string' },
        timeout: { type: 'string' },
        'no-wait': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      true,
    );
    const cmd = positionals[0];
    if (!cmd || positionals.length > 1) throw new UsageError('name exactly one command, e.g. `purser command seat.lock --zone J --reason turbulence`');
    checkName(cmd);
    const zones = list(values.zone);
    const seats = list(values.seats);
    if ([values.all, zones, seats].filter(Boolean).length !== 1) throw new UsageError('choose the seats with exactly one of --all, --zone or --seats');
    const target = values.all ? { all: true } : zones ? { zones } : { seats: seats! };
    const cmdArgs = argsFor(cmd, values);
    checkArgs(cmd, cmdArgs);
    const ttl = intOption(values['ttl-ms'], 'ttl-ms', 1000, 86_400_000);
    const waitS = intOption(values.timeout, 'timeout', 1, 3600) ?? 10;
    const base = controllerUrl(values.controller);
    const token = await resolveToken(values.token, values['state-dir']);
    if (!token) throw new UsageError(`no API token: pass --token, set PURSER_TOKEN, or point --state-dir at the controller's state dir (it keeps api.token there)`, false);

    const res = await postAction<{ command: Status }>(base, `/api/v1/commands${ttl ? `?ttlMs=${ttl}` : ''}`, token, { target, cmd, args: cmdArgs });
    let status = res.command;
    if (values['no-wait']) {
      console.log(values.json ? JSON.stringify(status) : `sent ${cmd} as seq ${status.seq} to ${seatsText(status.targeted)}`);
      return 0;
    }
    const progress = new Progress();
    const deadline = Date.now() + waitS * 1000;
    for (;;) {
      progress.update(status.acked, status.targeted, `acknowledged${status.offline.length ? `, ${status.offline.length} offline` : ''}`);
      if (status.state === 'delivered' || Date.now() > deadline) break;
      await sleep(200);
      status = await getJson<Status>(base, `/api/v1/commands/${status.seq}`);
    }
    progress.end();
    if (values.json) console.log(JSON.stringify(status, null, 2));
    else if (status.state === 'delivered') console.log(`${cmd} (seq ${status.seq}) delivered to ${status.targeted === 1 ? 'the seat' : `all ${status.targeted} seats`}`);
    else console.log(`${cmd} (seq ${status.seq}): ${status.acked}/${status.targeted} acknowledged; waiting: ${status.pending.slice(0, 20).join(' ')}${status.pending.length > 20 ? ' …' : ''}${status.offline.length ? `; offline: ${status.offline.length}` : ''}`);
    return status.state === 'delivered' ? 0 : 3;
  },
};
