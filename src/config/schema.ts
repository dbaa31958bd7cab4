/** JSON Schema of the config file. Defaults live here so a partial file is enough. */
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const ipv4 = { type: 'string', pattern: '^(\\d{1,3})(\\.\\d{1,3}){3}$' } as const;
const multicastGroup = { type: 'string', pattern: '^2(2[4-9]|3\\d)(\\.\\d{1,3}){3}$' } as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stateDir'],
  properties: {
    stateDir: { type: 'string', minLength: 1 },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { ...port, default: 8080 },
      },
    },
    cabin: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        secret: { type: 'string', pattern: '^[0-9a-fA-F]{32,128}$' },
        pollIntervalMs: { type: 'integer', minimum: 200, maximum: 60000, default: 1000 },
        layout: {
          type: 'object',
          additionalProperties: false,
          required: ['rows', 'letters', 'zones'],
          properties: {
            rows: { type: 'integer', minimum: 1, maximum: 999 },
            letters: { type: 'string', minLength: 1, maxLength: 32 },
            zones: {
              type: 'object',
              minProperties: 1,
              additionalProperties: {
                anyOf: [
                  { type: 'string' },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['rows'],
                    properties: { rows: { type: 'string' }, letters: { type: 'string' } },
                  },
                ],
              },
            },
            skipRows: { type: 'array', items: { type: 'integer', minimum: 1 } },
          },
        },
      },
    },
    multicast: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        interface: { ...ipv4, default: '127.0.0.1' },
        ttl: { type: 'integer', minimum: 0, maximum: 255, default: 1 },
      },
    },
    commands: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        group: { ...multicastGroup, default: '239.255.10.1' },
        port: { ...port, minimum: 1, default: 5700 },
        defaultTtlMs: { type: 'integer', minimum: 1000, maximum: 86_400_000, default: 600_000 },
        /** After this, a command some seats have not acknowledged is reported incomplete. */
        deliveryTimeoutMs: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 15_000 },
        /** A poll answer that brings a seat a command it has not been offered before asks it to poll again this soon, to acknowledge. */
        catchUpPollMs: { type: 'integer', minimum: 50, maximum: 60_000, default: 250 },
      },
    },
    api: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Bearer token for mutating API calls (CLI, automation). */
        token: { type: 'string', minLength: 16 },
      },
    },
    panel: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** scrypt hashes made by `purser pin-hash`; never plain PINs. */
        crewPinHash: { type: 'string', minLength: 1 },
        technicianPinHash: { type: 'string', minLength: 1 },
      },
    },
    pa: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        interface: { ...ipv4, default: '127.0.0.1' },
        thresholdDbfs: { type: 'number', minimum: -120, maximum: 0, default: -45 },
        hangoverMs: { type: 'integer', minimum: 100, maximum: 60000, default: 1500 },
        /** A keyline held, or sound without a pause, this long is a fault (PA_KEYLINE_STUCK / PA_AUDIO_STUCK) and ends that PA. */
        maxPaMs: { type: 'integer', minimum: 10_000, maximum: 3_600_000, default: 600_000 },
        l16PayloadTypes: { type: 'array', items: { type: 'integer', minimum: 96, maximum: 127 }, default: [96, 97] },
        sources: {
          type: 'array',
          maxItems: 3,
          default: [
            { name: 'flightdeck', group: '239.255.20.2', port: 5004 },
            { name: 'cabin', group: '239.255.20.1', port: 5004 },
          ],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'group', 'port'],
            properties: {
              name: { enum: ['flightdeck', 'cabin', 'recorded'] },
              group: multicastGroup,
              port: { ...port, minimum: 1 },
            },
          },
        },
      },
    },
    tftp: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { ...port, default: 6969 },
        maxTransfers: { type: 'integer', minimum: 1, maximum: 5000, default: 512 },
        /** After each window, poll this many microseconds for its ACK instead of sleeping (0: never); docs/tftp.md. */
        busyPollUs: { type: 'integer', minimum: 0, maximum: 10_000, default: 200 },
        /** The address seats are told to fetch from (tftp://ADDRESS:PORT/...); default `host`, required when host is 0.0.0.0 or ::. */
        advertiseHost: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:_-]+$' },
      },
    },
    firmware: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Sign imported images with the key in stateDir (else a signature must come with the image). */
        sign: { type: 'boolean', default: true },
        publicKeyFile: { type: 'string', minLength: 1 },
        /** The TFTP root: images under <root>/firmware, rejects under <root>/quarantine. Default <stateDir>/tftp. */
        root: { type: 'string', minLength: 1 },
        /** Largest image the import API accepts. */
        maxImageBytes: { type: 'integer', minimum: 1, maximum: 17_179_869_184, default: 1_073_741_824 },
        /** How often every image is rehashed and its signature checked (0: only at start). */
        verifyIntervalMs: { type: 'integer', minimum: 0, maximum: 604_800_000, default: 86_400_000 },
      },
    },
    /** Defaults for firmware rollouts; each request may override them. See docs/rollout.md. */
    rollout: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        canary: { type: 'integer', minimum: 0, maximum: 1000, default: 3 },
        batchSize: { type: 'integer', minimum: 1, maximum: 5000, default: 50 },
        maxConcurrent: { type: 'integer', minimum: 1, maximum: 5000, default: 50 },
        successThreshold: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1 },
        errorThreshold: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            percent: { type: 'number', minimum: 0, maximum: 100, default: 5 },
            seats: { type: 'integer', minimum: 0, maximum: 5000, default: 2 },
          },
        },
        seatTimeoutMs: { type: 'integer', minimum: 10_000, maximum: 86_400_000, default: 600_000 },
        retries: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
      },
    },
  },
} as const;
