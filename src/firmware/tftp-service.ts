import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Subject, type Subscription } from 'rxjs';
import type { ControllerContext } from '../contract/feature.js';
import { RateLimitedLog } from '../core/log.js';
import { HealthCell, type Service } from '../core/service.js';
import { bindFailure } from '../core/start-failure.js';
import type { FirmwareService } from './firmware-service.js';
import { TftpMetrics } from './tftp-metrics.js';
import { TftpThread } from './tftp-thread.js';

/**
 * The read-only TFTP server seats fetch images from, on its own thread. Every
 * request goes through the catalog: only ready images (and their manifests)
 * are served, so a quarantined, half-written or unknown file is refused
 * whatever is on disk. A thread that dies reports it on `failed$`: its
 * supervisor starts it again with backoff.
 */

export class TftpService implements Service {
  readonly name = 'tftp';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly #failed = new Subject<Error>();
  readonly failed$ = this.#failed.asObservable();
  readonly #metrics: TftpMetrics;
  readonly #refusals: RateLimitedLog;
  #thread: TftpThread | undefined;
  /** The thread while it starts: a stop meanwhile ends it rather than wait seconds for it to serve. */
  #startingThread: TftpThread | undefined;
  #sub: Subscription | undefined;
  #base: string | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly firmware: FirmwareService,
  ) {
    this.#metrics = new TftpMetrics(ctx.metrics.registry);
    this.#refusals = new RateLimitedLog(ctx.log.child({ service: 'tftp' }));
  }

  /** `tftp://host:port` as seats must be told it; undefined while not serving. */
  get base(): string | undefined {
    return this.#base;
  }

  imageUrl(model: string, version: string): string | undefined {
    return this.#base && `${this.#base}/firmware/${model}/${version}.img`;
  }

  async start(): Promise<void> {
    const { host, port, maxTransfers, busyPollUs, advertiseHost } = this.ctx.config.tftp;
    const advertised = advertiseHost ?? host;
    if (advertised === '0.0.0.0' || advertised === '::') {
      throw new Error(`tftp.host is ${host}: set tftp.advertiseHost to the address seats reach the controller on`);
    }
    await mkdir(this.firmware.root, { recursive: true });
    const log = this.ctx.log.child({ service: 'tftp' });
    const thread = new TftpThread(
      { root: this.firmware.root, host, port, maxTransfers, busyPollUs },
      (path) => this.firmware.running.peek()?.catalog.resolveForServing(path) ?? null,
      log,
      (why) => this.#died(why),
    );
    this.#sub?.unsubscribe();
    this.#sub = thread.events$.subscribe((e) => {
      this.#metrics.observe(e);
      if (e.type === 'refused') this.#refusals.warn(`tftp-refused:${e.address}`, { address: e.address, file: e.file, reason: e.reason }, 'TFTP request refused');
    });
    this.#sub.add(thread.busyPolled$.subscribe((ms) => this.#metrics.busyPolled(ms)));
    this.#startingThread = thread;
    let bound: number;
    try {
      bound = await thread.start();
    } catch (e) {
      // tftp.port in use at the first start fails the controller's start, naming the key (src/core/start-failure.ts).
      throw bindFailure(e, 'tftp.port', host, port);
    } finally {
      this.#startingThread = undefined;
    }
    this.#thread = thread;
    this.#base = `tftp://${isIP(advertised) === 6 ? `[${advertised}]` : advertised}:${bound}`;
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    const thread = this.#thread ?? this.#startingThread;
    this.#thread = undefined;
    this.#base = undefined;
    await thread?.stop();
    this.#sub?.unsubscribe();
    this.#health.set('down', 'stopped');
  }

  /** Rollouts hold while it is down; seats mid-download time out and are retried. */
  #died(why: string): void {
    if (!this.#thread) return;
    this.#thread = undefined;
    this.#base = undefined;
    this.#metrics.serverGone();
    this.#health.set('down', why);
    this.#failed.next(new Error(`TFTP server died: ${why}`));
  }
}
