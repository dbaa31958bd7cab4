import { Type, type TSchema } from '@sinclair/typebox';
import { isIPv4 } from 'node:net';

/**
 * String formats the config uses, each with the sentence a person reads when
 * a value does not fit (never a raw regular expression).
 */
export const FORMATS: Record<string, { test(s: string): boolean; expected: string }> = {
  ipv4: { test: (s) => isIPv4(s), expected: 'an IPv4 address such as 127.0.0.1' },
  'multicast-ipv4': { test: isMulticast, expected: 'an IPv4 multicast address, 224.0.0.0 to 239.255.255.255' },
  'multicast-group-port': {
    test: (s) => {
      const m = /^(.+):(\d{1,5})$/.exec(s);
      return !!m && isMulticast(m[1]!) && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
    },
    expected: 'a multicast group and port such as 239.255.30.1:5000',
  },
  hex: { test: (s) => /^[0-9a-fA-F]*$/.test(s) && s.length % 2 === 0, expected: 'hexadecimal digits' },
  'absolute-path': { test: (s) => s.startsWith('/') && !s.includes('\0'), expected: 'an absolute path such as /srv/purser' },
  hostname: { test: (s) => /^[A-Za-z0-9.:_-]{1,253}$/.test(s), expected: 'a host name or IP address' },
};

function isMulticast(s: string): boolean {
  if (!isIPv4(s)) return false;
  const first = Number(s.split('.')[0]);
  return first >= 224 && first <= 239;
}

export const Port = (opts: { minimum?: number; default?: number } = {}) => Type.Integer({ minimum: opts.minimum ?? 0, maximum: 65535, ...(opts.default !== undefined ? { default: opts.default } : {}) });
export const Ipv4 = (dflt?: string) => Type.String({ format: 'ipv4', ...(dflt ? { default: dflt } : {}) });
export const MulticastGroup = (dflt?: string) => Type.String({ format: 'multicast-ipv4', ...(dflt ? { default: dflt } : {}) });
export const AbsolutePath = () => Type.String({ format: 'absolute-path' });

/** An object section whose absence means "all defaults". */
export const Section = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, default: {}, ...(description ? { description } : {}) });

export type { TSchema };
