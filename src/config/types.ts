import type { RolloutOptions } from '../firmware/rollout/model.js';
import type { LayoutConfig } from './layout.js';

export type PaSourceName = 'flightdeck' | 'cabin' | 'recorded';

/** The validated config, defaults applied. Mirrors schema.ts. */
export interface PurserConfig {
  stateDir: string;
  http: { host: string; port: number };
  cabin: { secret?: string; pollIntervalMs: number; layout?: LayoutConfig };
  multicast: { interface: string; ttl: number };
  commands: { group: string; port: number; defaultTtlMs: number; deliveryTimeoutMs: number; catchUpPollMs: number };
  api: { token?: string };
  panel: { crewPinHash?: string; technicianPinHash?: string };
  pa: {
    enabled: boolean;
    interface: string;
    thresholdDbfs: number;
    hangoverMs: number;
    maxPaMs: number;
    l16PayloadTypes: number[];
    sources: { name: PaSourceName; group: string; port: number }[];
  };
  tftp: { enabled: boolean; host: string; port: number; maxTransfers: number; busyPollUs: number; advertiseHost?: string };
  firmware: { sign: boolean; publicKeyFile?: string; root?: string; maxImageBytes: number; verifyIntervalMs: number };
  rollout: RolloutDefaults;
}

/** Rollout parameters a request may leave out (docs/rollout.md): every option of a rollout has a configured default. */
export type RolloutDefaults = RolloutOptions;
