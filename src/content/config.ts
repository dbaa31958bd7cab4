import { Type, type Static } from '@sinclair/typebox';
import { Section } from '../config/formats.js';

/** `content:` in the config file (docs/content.md). */
export const contentSection = Section({
  /** Watch USB for content drives and serve the library to seats. */
  enabled: Type.Boolean({ default: true }),
  /** The content signing key's public half: a PEM file ... */
  publicKeyFile: Type.Optional(Type.String({ minLength: 1 })),
  /** ... or the base64 of its 32 raw bytes. Without either, drives are refused ("no content key configured"). */
  publicKey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' })),
  /** Where drives are mounted (read-only, nosuid, nodev, noexec). Default <stateDir>/media. */
  mountRoot: Type.Optional(Type.String({ minLength: 1 })),
  /** The library. Default <stateDir>/content. */
  libraryDir: Type.Optional(Type.String({ minLength: 1 })),
  allowedFilesystems: Type.Array(Type.Union([Type.Literal('ext4'), Type.Literal('exfat')]), { minItems: 1, default: ['ext4', 'exfat'] }),
  /** Only drives on USB. Leave it on in the cabin, or an internal ext4 disk would be offered as content. */
  requireUsb: Type.Boolean({ default: true }),
  /** Accept loop devices as if they were USB drives (test rigs and benches only). */
  allowLoopDevices: Type.Boolean({ default: false }),
  /** Largest total a drive may list. */
  maxBytes: Type.Integer({ minimum: 1, maximum: 2 * 1024 ** 4, default: 2 * 1024 ** 4 }),
  maxFiles: Type.Integer({ minimum: 1, maximum: 100_000, default: 100_000 }),
  /** Space kept free in the library's filesystem. */
  spareBytes: Type.Integer({ minimum: 0, default: 256 * 1024 ** 2 }),
  /**
   * Cap on how fast a drive is copied (bytes per second): the library's disk also serves seats'
   * content fetches and the state store's fsyncs. Unset: as fast as the drive reads.
   */
  copyBytesPerSecond: Type.Optional(Type.Integer({ minimum: 1_000_000 })),
  /**
   * At most this many file transfers to seats at once; the rest wait (in order, up to 2 s) and are then
   * told 503 BUSY with Retry-After. Fewer streams, same bytes a second, shorter event-loop turns for polls.
   */
  maxTransfers: Type.Integer({ minimum: 1, maximum: 10_000, default: 32 }),
  /** Accept a drive older than the current catalog. */
  allowOlder: Type.Boolean({ default: false }),
  /** How far a seat's X-Seat-Time may be from the controller's clock (docs/protocol.md, section 6). */
  authWindowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 300_000 }),
  /** The base URL seats are told to fetch from (content.sync url); default the controller's own http address. */
  advertiseUrl: Type.Optional(Type.String({ pattern: '^http://[^/?#]+/?$' })),
  /**
   * A seat that plays another catalog than the current one (or syncs towards it with no progress) this long
   * is sent content.sync again, to it alone; one that comes back online after the sync expired, at once.
   */
  resyncGraceMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 120_000 }),
  /** A seat is sent content.sync again at most this often; the wait doubles each time it did not help, up to an hour. */
  resyncSeatIntervalMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 300_000 }),
  /** At most this many seats are sent content.sync again per second (one command a second, however many seats lag). */
  resyncSeatsPerSecond: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
  /** Also watch the usb subsystem, so a keyboard or a network adapter is refused with an alert. */
  watchUsbDevices: Type.Boolean({ default: true }),
  /** Path of udevadm. */
  udevadm: Type.String({ minLength: 1, default: 'udevadm' }),
  /**
   * The root-run mount helper's socket (purser-mount.service, e.g. /run/purser/mount.sock): drives are
   * mounted through it, so the controller needs no privilege to mount. Unset: the controller mounts
   * itself (it must then be root: tests, the demo). docs/usb.md, "The mount helper".
   */
  mountHelperSocket: Type.Optional(Type.String({ minLength: 1, pattern: '^/' })),
  /** Prefix for mount/umount when mounting in-process (a wrapper; not sudo, which NoNewPrivileges forbids). */
  mountCommandPrefix: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
});

export type ContentConfig = Static<typeof contentSection>;

declare module '../contract/config.js' {
  interface ConfigSections {
    content: ContentConfig;
  }
}
