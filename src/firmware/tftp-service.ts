import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Subscription } from 'rxjs';
import { TftpServer } from '../../protocols/tftp/server.js';
import type { ControllerContext } from '../app/context.js';
import { RateLimitedLog } from '../core/log.js';
import { HealthCell, type Service } from '../core/service.js';
import type { FirmwareService } from './firmware-service.js';
import { TftpMetrics } from './tftp-metrics.js';

/**
 * The read-only TFTP server seats fetch images from. Every request goes
 * through the catalog: only ready images (and their manifests) are served, so
 * a quarantined, half-written or unknown file is refused whatever is on disk.
 */
export class TftpService implements Service {
  readonly name = 'tftp';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly #metrics: TftpMetrics;
  readonly #refusals: RateLimitedLog;
  #server: TftpServer | undefined;
  #sub: Subscription | undefined;
  #base: string | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly firmware: FirmwareService,
  ) {
    this.#metrics = new TftpMetrics(ctx.metrics.registry, () => this.#server?.stats());
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
    const { host, port, maxTransfers, advertiseHost } = this.ctx.config.tftp;
    const advertised = advertiseHost ?? host;
    if (advertised === '0.0.0.0' || advertised === '::') {
      throw new Error(`tftp.host is ${host}: set tftp.advertiseHost to the address seats reach the controller on`);
    }
    await mkdir(this.firmware.root, { recursive: true });
    const server = new TftpServer({
      root: this.firmware.root,
      host,
      port,
      maxTransfers,
      logger: this.ctx.log.child({ service: 'tftp' }),
      resolveFile: async (path) => this.firmware.catalog?.resolveForServing(path) ?? null,
    });
    this.#sub = server.events$.subscribe((e) => {
      this.#metrics.observe(e);
      if (e.type === 'refused') this.#refusals.warn(`tftp-refused:${e.address}`, { address: e.address, file: e.file, reason: e.reason }, 'TFTP request refused');
    });
    const bound = await server.start();
    this.#server = server;
    this.#base = `tftp://${isIP(advertised) === 6 ? `[${advertised}]` : advertised}:${bound.port}`;
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#base = undefined;
    await server?.stop();
    this.#sub?.unsubscribe();
    this.#health.set('down', 'stopped');
  }
}
