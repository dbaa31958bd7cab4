import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../../src/app/config.js';
import { Controller, type Feature } from '../../src/app/controller.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { createLogger } from '../../src/core/log.js';
import { HealthCell, type Service } from '../../src/core/service.js';
import { StartFailure, StoppedWhileStarting } from '../../src/core/start-failure.js';
import { firmwareFeature } from '../../src/firmware/feature.js';
import { TEST_SECRET } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';

/**
 * A peripheral service that starts like the real ones do: it spawns a child
 * process and binds a UDP socket, then is "ready" only when the test says so
 * (or after `readyAfterMs`). Its stop kills the child, closes the socket and
 * ends a start under way.
 */
class SlowService implements Service {
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  child: ChildProcess | undefined;
  socket: Socket | undefined;
  port = 0;
  starts = 0;
  #release: (() => void) | undefined;
  #abort: ((e: Error) => void) | undefined;

  constructor(readonly name: string, private readonly readyAfterMs = 60_000) {}

  async start(): Promise<void> {
    this.starts++;
    this.child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const socket = (this.socket = createSocket('udp4'));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    this.port = socket.address().port;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, this.readyAfterMs);
      this.#release = () => (clearTimeout(t), resolve());
      this.#abort = (e) => (clearTimeout(t), reject(e));
    });
    this.#health.set('ok');
  }

  /** The service is ready now. */
  release(): void {
    this.#release?.();
  }

  async stop(): Promise<void> {
    this.#abort?.(new Error('stopped'));
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
    this.#health.set('down', 'stopped');
  }
}

/** A feature of slow services, with a route that needs them. */
function slowFeature(name: string, services: Service[]): Feature {
  return {
    name,
    setup: () => ({ services, routes: [async (app) => void app.get(`/api/v1/${name}`, async () => ({ ok: true }))] }),
  };
}

function alive(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** Whether a UDP port on 127.0.0.1 can be bound again: nothing holds it. */
async function udpFree(port: number): Promise<boolean> {
  const s = createSocket({ type: 'udp4', reuseAddr: false });
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ port, address: '127.0.0.1', exclusive: true }, resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

describe('start order: seats first, the rest in the background', { timeout: 120_000 }, () => {
  let dir: string;
  const make = (features: Feature[], over: Record<string, unknown> = {}) => {
    const { config, layout } = validateConfig(
      { stateDir: join(dir, `s${Math.random().toString(36).slice(2)}`), http: { host: '127.0.0.1', port: 0 }, cabin: { secret: TEST_SECRET }, ...over },
      { features },
    );
    return new Controller(config, layout, createLogger('error'), features);
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-start-order-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers polls while a peripheral service is still starting; its route answers 503 + Retry-After, then serves once it is up', async () => {
    const slow = new SlowService('slow-radio');
    const controller = make([slowFeature('radio', [slow])]);
    try {
      await controller.start();
      assert.equal(slow.starts, 1);
      const poll = await postPoll(controller.url, pollBody('1A'));
      assert.equal(poll.status, 200, 'a seat is answered while the radio still starts');

      const route = await fetch(`${controller.url}/api/v1/radio`);
      assert.equal(route.status, 503);
      assert.equal(route.headers.get('retry-after'), '2');
      const err = (await route.json()) as { error: { code: string; message: string } };
      assert.equal(err.error.code, 'STARTING');
      assert.match(err.error.message, /slow-radio/);

      const h = await fetch(`${controller.url}/api/v1/health`);
      assert.equal(h.status, 503);
      const hb = (await h.json()) as { state: string; status: string; checking: string[]; services: Record<string, { state: string }> };
      assert.equal(hb.state, 'running');
      assert.equal(hb.status, 'starting');
      assert.deepEqual(hb.checking, ['slow-radio']);
      assert.equal(hb.services['slow-radio']?.state, 'starting');
      assert.deepEqual(controller.checking, ['slow-radio']);

      slow.release();
      await controller.whenStarted();
      assert.equal((await fetch(`${controller.url}/api/v1/radio`)).status, 200);
      const ok = (await (await fetch(`${controller.url}/api/v1/health`)).json()) as { status: string; checking?: string[] };
      assert.equal(ok.status, 'ok');
      assert.equal(ok.checking, undefined);
      assert.deepEqual(controller.checking, []);
    } finally {
      await controller.stop();
    }
  });

  it('a slow feature holds up no other: each feature starts on its own', async () => {
    const slow = new SlowService('slow-radio');
    const quick = new SlowService('quick-lamp', 0);
    const controller = make([slowFeature('radio', [slow]), slowFeature('lamp', [quick])]);
    try {
      await controller.start();
      const deadline = Date.now() + 10_000;
      while ((await fetch(`${controller.url}/api/v1/lamp`)).status !== 200) {
        assert.ok(Date.now() < deadline, 'the lamp never came up while the radio was starting');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await fetch(`${controller.url}/api/v1/radio`)).status, 503);
      assert.deepEqual(controller.checking, ['slow-radio']);
    } finally {
      await controller.stop();
    }
  });

  it('a stop while services start leaves no child process and no socket, and starts nothing more', async () => {
    const first = new SlowService('slow-first');
    const second = new SlowService('slow-second');
    const controller = make([slowFeature('radio', [first, second])]);
    await controller.start();
    const deadline = Date.now() + 10_000;
    while (!first.port) {
      assert.ok(Date.now() < deadline, 'the first service never bound');
      await new Promise((r) => setTimeout(r, 20));
    }
    const child = first.child;
    const port = first.port;
    assert.ok(alive(child));
    const waiting = assert.rejects(controller.whenStarted(), StoppedWhileStarting);
    await controller.stop();
    assert.equal(alive(child), false, 'the child process a start spawned is gone');
    assert.ok(await udpFree(port), 'the socket a start bound is closed');
    assert.equal(second.starts, 0, 'the service after it was never started');
    await waiting;
  });

  it('a stop during the essential start ends it: start() rejects StoppedWhileStarting, nothing started, the port is free', async () => {
    const later = new SlowService('later', 0);
    let inSetup!: () => void;
    const reached = new Promise<void>((r) => (inSetup = r));
    const slowSetup: Feature = {
      name: 'disk-check',
      essential: true,
      async setup() {
        inSetup();
        await new Promise((r) => setTimeout(r, 500));
        return {};
      },
    };
    const controller = make([slowSetup, slowFeature('radio', [later])]);
    const started = controller.start();
    await reached;
    const url = controller.earlyUrl;
    await controller.stop();
    await assert.rejects(started, StoppedWhileStarting);
    assert.equal(later.starts, 0);
    await assert.rejects(fetch(`${url}/api/v1/health`), 'nothing listens after the stop');
  });

  it('a StartFailure at the first start of a background service stops the controller and names the key', async () => {
    const refuses: Service = {
      name: 'radio-port',
      health$: new HealthCell().health$,
      start: async () => {
        throw new StartFailure('radio.port', 'radio.port 9: address 127.0.0.1:9 is in use');
      },
      stop: async () => undefined,
    };
    const slow = new SlowService('slow-lamp');
    const controller = make([slowFeature('radio', [refuses]), slowFeature('lamp', [slow])]);
    await controller.start();
    const url = controller.url;
    await assert.rejects(controller.whenStarted(), /radio\.port 9: address 127\.0\.0\.1:9 is in use/);
    assert.equal(alive(slow.child), false, 'the other feature, still starting, was stopped too');
    await assert.rejects(fetch(`${url}/api/v1/health`), 'HTTP is closed');
    await controller.stop();
  });

  it('any other failed first start is supervised: retried in the background, the start goes on', async () => {
    let attempts = 0;
    let letRetryStart!: () => void;
    // The retry is held until the down state was seen: a quick retry on a loaded machine otherwise came first.
    const retryMayStart = new Promise<void>((r) => (letRetryStart = r));
    const health = new HealthCell();
    const flaky: Service = {
      name: 'flaky',
      health$: health.health$,
      start: async () => {
        if (++attempts === 1) throw new Error('device not ready');
        await retryMayStart;
        health.set('ok');
      },
      stop: async () => undefined,
    };
    const controller = make([slowFeature('radio', [flaky])]);
    try {
      await controller.start();
      await controller.whenStarted();
      const h = (await (await fetch(`${controller.url}/api/v1/health`)).json()) as { services: Record<string, { state: string; detail?: string }> };
      assert.equal(h.services.flaky?.state, 'down');
      assert.match(h.services.flaky?.detail ?? '', /device not ready; retrying/);
      assert.equal((await fetch(`${controller.url}/api/v1/radio`)).status, 200, 'its routes answer (the feature deals with a service that is down)');
      letRetryStart();
      for (let i = 0; ; i++) {
        const again = (await (await fetch(`${controller.url}/api/v1/health`)).json()) as { services: Record<string, { state: string }> };
        if (again.services.flaky?.state === 'ok') break;
        assert.ok(i < 200, `the retry brings it up: ${JSON.stringify(again.services.flaky)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      letRetryStart();
      await controller.stop();
    }
  });

  it('TFTP: its routes say starting until its thread serves, then it serves', async () => {
    const features = [commandsFeature(), firmwareFeature()];
    const controller = make(features, { commands: { port: 20000 + Math.floor(Math.random() * 20000) }, tftp: { port: 0 } });
    try {
      await controller.start();
      assert.equal((await postPoll(controller.url, pollBody('1A'))).status, 200);
      const early = await fetch(`${controller.url}/api/v1/firmware`);
      if (early.status === 503) {
        assert.equal(early.headers.get('retry-after'), '2');
        assert.match(((await early.json()) as { error: { message: string } }).error.message, /tftp/);
      } else assert.equal(early.status, 200, 'only when the thread was quicker than this request');
      await controller.whenStarted();
      const fw = await fetch(`${controller.url}/api/v1/firmware`);
      assert.equal(fw.status, 200);
      const base = ((await fw.json()) as { tftp: string | null }).tftp;
      assert.match(base ?? '', /^tftp:\/\/127\.0\.0\.1:\d+$/);
      // A read request for an image that is not in the catalog: the server answers with an ERROR packet.
      const port = Number(base!.split(':').pop());
      const s = createSocket('udp4');
      try {
        const reply = new Promise<Buffer>((resolve) => s.once('message', resolve));
        const rrq = Buffer.concat([Buffer.from([0, 1]), Buffer.from('firmware/gp3/9.9.9.img\0octet\0')]);
        s.send(rrq, port, '127.0.0.1');
        const msg = await Promise.race([reply, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no TFTP answer')), 5000))]);
        assert.equal(msg.readUInt16BE(0), 5, 'an ERROR packet');
      } finally {
        s.close();
      }
    } finally {
      await controller.stop();
    }
  });
});
