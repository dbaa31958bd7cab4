import { Type, type Static } from '@sinclair/typebox';
import { Ipv4, MulticastGroup, Port, Section } from '../config/formats.js';

const source = Type.Object(
  {
    name: Type.Union([Type.Literal('flightdeck'), Type.Literal('cabin'), Type.Literal('recorded')]),
    group: MulticastGroup(),
    port: Port({ minimum: 1 }),
  },
  { additionalProperties: false },
);

/** `pa:` in the config file (docs/pa.md). */
export const paSection = Section({
  enabled: Type.Boolean({ default: true }),
  interface: Ipv4('127.0.0.1'),
  thresholdDbfs: Type.Number({ minimum: -120, maximum: 0, default: -45 }),
  hangoverMs: Type.Integer({ minimum: 100, maximum: 60000, default: 1500 }),
  /** A keyline held, or sound without a pause, this long is a fault (PA_KEYLINE_STUCK / PA_AUDIO_STUCK) and ends that PA. */
  maxPaMs: Type.Integer({ minimum: 10_000, maximum: 3_600_000, default: 600_000 }),
  l16PayloadTypes: Type.Array(Type.Integer({ minimum: 96, maximum: 127 }), { default: [96, 97] }),
  sources: Type.Array(source, {
    maxItems: 3,
    default: [
      { name: 'flightdeck', group: '239.255.20.2', port: 5004 },
      { name: 'cabin', group: '239.255.20.1', port: 5004 },
    ],
  }),
});

export type PaConfig = Static<typeof paSection>;
export type PaSourceName = PaConfig['sources'][number]['name'];

declare module '../contract/config.js' {
  interface ConfigSections {
    pa: PaConfig;
  }
}
