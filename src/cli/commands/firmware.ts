import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { findDetachedSignature, readSignatureOption } from '../../../firmware/detached-signature.js';
import { FirmwareError } from '../../../firmware/errors.js';
import { assertName } from '../../../firmware/manifest.js';
import type { FirmwareRecord } from '../../../firmware/catalog.js';
import type { RolloutDetail, RolloutSummary } from '../../firmware/rollout/view.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { ControllerClientError, getJson, postAction } from '../http-client.js';
import { controllerUrl, parseOptions, wholeNumber } from '../options.js';
import { Progress } from '../progress.js';
import { ago, renderTable } from '../table.js';
import { resolveToken } from '../token.js';

const HELP = `Usage: purser firmware SUBCOMMAND [options]

Firmware images and their rollout to the seats, through a running controller
(one writer to its database; start one with \`purser run\`).

  import IMAGE --model M --version V [--signature FILE]
      Uploads IMAGE into the catalog. The signature comes from --signature
      (a file of base64 text, or that text), else IMAGE.sig or a manifest
      V.json beside it; without one the controller signs it with its own key
      (if it holds one). Names, signature, size and version are checked
      before anything is uploaded.
  list                      images in the catalog, quarantined ones with why
  verify                    rehash every image now; exit 3 if any was quarantined
  rollout M V (--seats all | --seats 12A,12B | --zone J[,Y]) (--on-ground | --force-in-flight)
          [--canary N] [--batch N] [--max-concurrent N] [--success-threshold 0..1]
          [--error-percent P] [--error-seats N] [--seat-timeout S] [--retries N] [--no-wait]
      Starts a staged rollout and follows it until it completes or stops
      (exit 0: every seat on V; 3: it halted, was paused or cancelled, or seats failed).
      The controller cannot know the flight phase yet: say --on-ground.
  status [ID]               rollouts, or one rollout by group and seat
  pause|resume|cancel|retry ID
      resume also goes on past a halt, accepting its failures; retry re-sends
      to the failed seats only.

Options: --controller URL (default $PURSER_URL or http://127.0.0.1:8080),
  --token T / --state-dir DIR (the API token; default $PURSER_TOKEN or the
  controller's api.token), --json (print the API's JSON).`;

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean) : undefined);

export const command: CliCommand = {
  name: 'firmware',
  summary: 'import, list and verify firmware images; roll them out to the seats',
  help: HELP,
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      {
        model: { type: 'string' },
        version: { type: 'string' },
        signature: { type: 'string' },
        seats: { type: 'string' },
        zone: { type: 'string' },
        canary: { type: 'string' },
        batch: { type: 'string' },
        'max-concurrent': { type: 'string' },
        'success-threshold': { type: 'string' },
        'error-percent': { type: 'string' },
        'error-seats': { type: 'string' },
        'seat-timeout': { type: 'string' },
        retries: { type: 'string' },
        'on-ground': { type: 'boolean' },
        'force-in-flight': { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        controller: { type: 'string' },
        token: { type: 'string' },
        'state-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    const [sub, ...rest] = positionals;
    const base = controllerUrl(values.controller);
    const token = async () => {
      const t = await resolveToken(values.token, values['state-dir']);
      if (!t) throw new UsageError(`no API token: pass --token, set PURSER_TOKEN, or point --state-dir at the controller's state dir (it keeps api.token there)`, false);
      return t;
    };
    const json = (v: unknown) => console.log(JSON.stringify(v, null, 2));
    try {
      switch (sub) {
        case 'import': {
          if (rest.length !== 1 || !values.model || !values.version) throw new UsageError('import takes IMAGE, --model and --version');
          const image = await importImage(base, await token(), rest[0]!, values.model, values.version, values.signature);
          if (values.json) json(image);
          else console.log(`imported ${image.model} ${image.version}: ${image.size} bytes, sha256 ${image.sha256}, ${image.signedAt ? 'signed here' : 'signature verified'} (key ${image.keyId ?? '?'})`);
          return 0;
        }
        case 'list': {
          const res = await getJson<{ keyId: string; canSign: boolean; tftp: string | null; images: FirmwareRecord[] }>(base, '/api/v1/firmware');
          if (values.json) {
            json(res);
            return 0;
          }
          const rows = res.images.map((i) => [i.model, i.version, mib(i.size), i.state === 'ready' ? 'ready' : `QUARANTINED: ${i.reason ?? ''}`, ago(i.importedAt), i.sha256.slice(0, 16)]);
          console.log(renderTable(['MODEL', 'VERSION', 'SIZE', 'STATE', 'IMPORTED', 'SHA256'], rows));
          console.log(`\nfirmware key ${res.keyId} (${res.canSign ? 'signs imports' : 'verify only'}); served at ${res.tftp ?? 'nowhere: TFTP is not running'}`);
          return 0;
        }
        case 'verify': {
          const { report } = await postAction<{ report: { checked: number; quarantined: { model: string; version: string; reason: string }[]; unchecked: { model: string; version: string; error: string }[] } }>(base, '/api/v1/firmware/verify', await token());
          if (values.json) json(report);
          else {
            console.log(`${report.checked} images checked, ${report.quarantined.length} quarantined, ${report.unchecked.length} could not be read`);
            for (const q of report.quarantined) console.log(`  quarantined ${q.model} ${q.version}: ${q.reason}`);
            for (const u of report.unchecked) console.log(`  unreadable ${u.model} ${u.version}: ${u.error}`);
          }
          return report.quarantined.length > 0 ? 3 : 0;
        }
        case 'rollout': {
          const [model, version] = rest;
          if (rest.length !== 2) throw new UsageError('rollout takes MODEL and VERSION, e.g. `purser firmware rollout gp3 2.5.0 --seats all --on-ground`');
          const body = rolloutBody(model!, version!, values);
          const { rollout } = await postAction<{ rollout: RolloutDetail }>(base, '/api/v1/rollouts', await token(), body);
          if (values['no-wait']) {
            if (values.json) json(rollout);
            else console.log(`rollout ${rollout.id} of ${model} ${version} started: ${eligible(rollout)} seats in ${rollout.groups.length} groups`);
            return 0;
          }
          const last = await follow(base, rollout.id);
          if (values.json) json(last);
          else console.log(describe(last) + (await haltAlert(base, last, await token())));
          return last.state === 'completed' && last.totals.failed === 0 ? 0 : 3;
        }
        case 'status': {
          if (rest.length === 0) {
            const { rollouts } = await getJson<{ rollouts: RolloutSummary[] }>(base, '/api/v1/rollouts');
            if (values.json) {
              json(rollouts);
              return 0;
            }
            const rows = rollouts.map((r) => [String(r.id), `${r.model} ${r.version}`, r.state.toUpperCase(), `${r.totals.updated + r.totals.already}/${r.totals.seats - r.totals.skipped}`, String(r.totals.failed), String(r.inFlight), ago(r.createdAt), r.reason ?? r.holding ?? '']);
            console.log(rollouts.length ? renderTable(['ID', 'IMAGE', 'STATE', 'ON VERSION', 'FAILED', 'IN FLIGHT', 'STARTED', 'WHY'], rows) : 'no rollouts yet');
            return 0;
          }
          const id = wholeNumber(rest[0], 'the rollout ID', ' (see `purser firmware status`)');
          const { rollout } = await getJson<{ rollout: RolloutDetail }>(base, `/api/v1/rollouts/${id}`);
          if (values.json) json(rollout);
          else console.log(describe(rollout) + (await haltAlert(base, rollout, await resolveToken(values.token, values['state-dir']))));
          return 0;
        }
        case 'pause':
        case 'resume':
        case 'cancel':
        case 'retry': {
          if (rest.length !== 1) throw new UsageError(`${sub} takes the rollout ID (see \`purser firmware status\`)`);
          const id = wholeNumber(rest[0], 'the rollout ID', ' (see `purser firmware status`)');
          const t = await token();
          const { rollout } = await postAction<{ rollout: RolloutDetail }>(base, `/api/v1/rollouts/${id}/${sub}`, t);
          if (values.json) json(rollout);
          else console.log(describe(rollout) + (await haltAlert(base, rollout, t)));
          return 0;
        }
        default:
          throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'name a subcommand');
      }
    } catch (e) {
      if (!(e instanceof ControllerClientError)) throw e;
      console.error(`purser firmware: ${e.message}`);
      return 1;
    }
  },
};

type Values = Record<string, string | boolean | undefined>;

function rolloutBody(model: string, version: string, v: Values): Record<string, unknown> {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const seats = str('seats');
  const zones = list(str('zone'));
  if ((seats === undefined) === (zones === undefined)) throw new UsageError('choose the seats with --seats all, --seats 12A,12B or --zone J');
  if (v['on-ground'] === v['force-in-flight']) throw new UsageError('say --on-ground (the controller cannot tell yet), or --force-in-flight to flash seats in the air');
  const target = zones ? { zones } : seats!.toLowerCase() === 'all' ? { all: true } : { seats: list(seats)! };
  const num = (flag: string) => {
    const text = str(flag);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number`);
    return n;
  };
  const seatTimeout = num('seat-timeout');
  const errorPercent = num('error-percent');
  const errorSeats = num('error-seats');
  const body: Record<string, unknown> = {
    model,
    version,
    target,
    onGround: v['on-ground'] === true,
    ...(v['force-in-flight'] ? { force: true } : {}),
    canary: num('canary'),
    batchSize: num('batch'),
    maxConcurrent: num('max-concurrent'),
    successThreshold: num('success-threshold'),
    seatTimeoutMs: seatTimeout === undefined ? undefined : seatTimeout * 1000,
    retries: num('retries'),
    errorThreshold: errorPercent === undefined && errorSeats === undefined ? undefined : { percent: errorPercent, seats: errorSeats },
  };
  // The controller names any bad value; leaving out what was not given keeps its defaults.
  return JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
}

/** Redraws a bar of seats on the version until the rollout stops running; returns its last state. */
async function follow(base: string, id: number): Promise<RolloutDetail> {
  const progress = new Progress();
  try {
    for (;;) {
      const { rollout: r } = await getJson<{ rollout: RolloutDetail }>(base, `/api/v1/rollouts/${id}`);
      const group = r.groups.length ? `, group ${Math.min(r.groups.length, r.groups.filter((g) => g.status !== 'waiting').length)}/${r.groups.length}` : '';
      const failed = r.totals.failed ? `, ${r.totals.failed} failed` : '';
      progress.update(r.totals.updated + r.totals.already, eligible(r), `on ${r.version}, ${r.inFlight} in flight${failed}${group}${r.holding ? ` (holding: ${r.holding})` : ''}`);
      if (r.state !== 'running') {
        progress.end();
        return r;
      }
      await sleep(1000);
    }
  } finally {
    // Lost the controller mid-way: the bar goes before the error is printed.
    progress.clear();
  }
}

const eligible = (r: RolloutSummary) => r.totals.seats - r.totals.skipped;

/** A rollout as a technician reads it: what state and why, each group, then the seats that need attention. */
function describe(r: RolloutDetail): string {
  const t = r.totals;
  const lines = [
    `rollout ${r.id}: ${r.model} ${r.version}, ${r.state.toUpperCase()}${r.reason ? ` (${r.reason})` : ''}${r.holding ? `; holding: ${r.holding}` : ''}`,
    `started ${ago(r.createdAt)} by ${r.by}${r.onGround ? ' on the ground' : ' IN FLIGHT (forced)'}; failures ${r.failures.counted} of ${r.failures.limit} allowed${r.failures.accepted ? ` (+${r.failures.accepted} accepted)` : ''}`,
    `seats: ${t.updated} updated, ${t.already} already on ${r.version}, ${r.inFlight} in flight, ${t.pending} waiting, ${t.failed} failed, ${t.skipped} skipped (of ${t.seats})`,
    '',
    renderTable(
      ['GROUP', 'KIND', 'SEATS', 'ON VERSION', 'FAILED', 'NEEDED', 'STATUS'],
      r.groups.map((g) => [String(g.index + 1), g.kind, String(g.seats), String(g.succeeded), String(g.failed), String(g.needed), g.status]),
    ),
  ];
  const attention = r.seats.filter((s) => s.state === 'failed' || (s.state !== 'pending' && s.state !== 'updated' && s.state !== 'already' && s.state !== 'skipped'));
  if (attention.length > 0) {
    lines.push('', renderTable(['SEAT', 'STATE', 'ATTEMPTS', 'PROGRESS', 'SINCE', 'ERROR'], attention.map((s) => [s.seat, s.state, String(s.attempts), s.progress === undefined ? '' : `${Math.round(s.progress * 100)} %`, ago(s.since), s.error ?? ''])));
  }
  const skipped = r.seats.filter((s) => s.state === 'skipped');
  if (skipped.length > 0) {
    const why = new Map<string, string[]>();
    for (const s of skipped) why.set(s.error ?? '', [...(why.get(s.error ?? '') ?? []), s.seat]);
    for (const [reason, seats] of why) lines.push(`skipped ${seats.length} (${reason}): ${seats.slice(0, 12).join(' ')}${seats.length > 12 ? ' …' : ''}`);
  }
  return lines.join('\n');
}

/**
 * The alert a halted rollout raised in the alert book (the panel lists it), as a last line: the
 * technician at the CLI sees what the crew sees. Nothing when there is no alert book to ask.
 */
async function haltAlert(base: string, r: RolloutDetail, token: string | undefined): Promise<string> {
  if (r.state !== 'halted') return '';
  try {
    const { alerts } = await getJson<{ alerts: { kind: string; code?: string; text?: string; since: number; ackedBy: string | null }[] }>(base, '/api/v1/alerts', token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const a = alerts.find((x) => x.kind === 'rollout' && x.code === `rollout:${r.id}`);
    return a ? `
alert on the panel since ${ago(a.since)}: ${a.text ?? 'rollout halted'} (${a.ackedBy ? `acknowledged by ${a.ackedBy}` : 'not acknowledged'})` : '';
  } catch {
    return '';
  }
}

interface CatalogListing {
  keyId: string;
  canSign: boolean;
  tftp: string | null;
  /** Absent from controllers older than this CLI. */
  maxImageBytes?: number;
  images: FirmwareRecord[];
}

/**
 * Checks what can be checked here, then PUTs the file as the request body,
 * drawing upload progress. Nothing goes up that the controller would refuse
 * for its name, signature, size or version; and with `Expect: 100-continue`
 * the controller refuses from the headers before a byte of the body is sent.
 */
async function importImage(base: string, token: string, path: string, model: string, version: string, signatureOption: string | undefined): Promise<FirmwareRecord> {
  const said = await local(async () => {
    assertName('model', model);
    assertName('version', version);
    return signatureOption !== undefined ? readSignatureOption(signatureOption) : findDetachedSignature(path, model, version);
  });
  const sig = said?.signature;
  const size = await imageSize(path);
  const catalog = await getJson<CatalogListing>(base, '/api/v1/firmware');
  const refuse = (why: string) => new ControllerClientError(`${why}; nothing was uploaded`);
  if (catalog.maxImageBytes !== undefined && size > catalog.maxImageBytes) throw refuse(`${path} is ${size} bytes, over the controller's firmware.maxImageBytes (${catalog.maxImageBytes} bytes)`);
  if (!sig && !catalog.canSign) throw refuse(`the controller holds only the public firmware key ${catalog.keyId}, so ${model} ${version} must come signed: give --signature FILE, or put ${path}.sig beside it`);
  const existing = catalog.images.find((i) => i.model === model && i.version === version);
  if (existing && existing.size !== size) throw refuse(`${model} ${version} is already in the catalog with other content (${existing.size} bytes, not ${size}); a new image needs a new version`);

  const url = new URL(`/api/v1/firmware/${encodeURIComponent(model)}/${encodeURIComponent(version)}`, base);
  const progress = new Progress();
  const unit = size >= 4 * 2 ** 20 ? { div: 2 ** 20, name: 'MiB' } : { div: 1024, name: 'KiB' };
  // One step per percent on a terminal, per ten percent in a log.
  const steps = process.stderr.isTTY ? 100 : 10;
  let step = -1;
  let sent = 0;
  let res: { status: number; text: string };
  try {
    res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      // Opened once the controller asks for the body: a stream read with nowhere to go would lose it.
      let file: ReturnType<typeof createReadStream> | undefined;
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': size,
          expect: '100-continue',
          ...(sig ? { 'x-firmware-signature': sig } : {}),
        },
      });
      let answered = false;
      // The body goes up only once the controller has accepted the headers.
      req.on('continue', () => {
        if (answered || file) return;
        file = createReadStream(path);
        file.on('data', (chunk) => {
          sent += chunk.length;
          const now = Math.floor((sent / Math.max(1, size)) * steps);
          if (now === step) return;
          step = now;
          progress.update(Math.floor(sent / unit.div), Math.floor(size / unit.div), `${unit.name} of ${model} ${version} uploaded`);
        });
        file.on('error', (e) => {
          if (!answered) reject(new ControllerClientError(`cannot read ${path}: ${e.message}`));
          req.destroy();
        });
        file.pipe(req);
      });
      req.on('response', (r) => {
        // An answer before the body is all sent is a refusal: send no more, draw no more.
        answered = true;
        file?.unpipe(req);
        file?.destroy();
        if (r.statusCode === 201) progress.end();
        else progress.clear();
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => (text += d));
        r.on('end', () => {
          resolve({ status: r.statusCode ?? 0, text });
          req.destroy();
        });
        r.on('error', reject);
      });
      req.on('error', (e) => {
        // The controller hanging up on the rest of a refused upload is not the error to report.
        if (!answered) reject(new ControllerClientError(`cannot reach the controller at ${base}: ${e.message}`));
      });
    });
  } finally {
    // Before any message: an error must not land between progress lines.
    progress.clear();
  }
  let body: { image?: FirmwareRecord; error?: { code: string; message: string } };
  try {
    body = JSON.parse(res.text) as typeof body;
  } catch {
    throw new ControllerClientError(`${url} answered ${res.status} with non-JSON: ${res.text.slice(0, 200)}`);
  }
  if (res.status !== 201 || !body.image) {
    // The controller speaks of its header and of "the import request"; the technician gave a file or a flag.
    const from = !said ? 'the signature' : said.from.startsWith('the ') ? said.from : `the signature from ${said.from}`;
    const message = (body.error?.message ?? res.text.slice(0, 200)).replace(/the signature from the import request|the x-firmware-signature header/gi, from);
    throw new ControllerClientError(`${res.status} ${body.error?.code ?? ''}: ${message}`);
  }
  return body.image;
}

/** Runs the local checks, turning their FirmwareError into a usage error that says what to fix. */
async function local<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FirmwareError) {
      // "version "2.5 beta" is not allowed ...": name the flag it came from.
      const message = err.field === 'model' || err.field === 'version' ? `--${err.message}` : err.message;
      throw new UsageError(message, false);
    }
    throw err;
  }
}

async function imageSize(path: string): Promise<number> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw new UsageError(`cannot read the image ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, false);
  }
  if (!st.isFile()) throw new UsageError(`the image ${path} is not a file`, false);
  if (st.size === 0) throw new UsageError(`the image ${path} is empty`, false);
  return st.size;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
