import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { FirmwareError } from '../../firmware/errors.js';
import type { ControllerContext } from '../contract/feature.js';
import { requireRole } from '../http/auth.js';
import type { FirmwareService } from './firmware-service.js';
import { firmwareApiError, importUpload } from './upload.js';
import { continueIfExpected, deferContinue, lingerThenClose } from './early-refusal.js';
import { checkUploadHeaders, type UploadHeaders } from './upload-checks.js';

export { SIGNATURE_HEADER } from './upload-checks.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** An upload's model, version, signature and size, checked before its body is read. */
    upload?: UploadHeaders;
  }
}

/** Where a seat fetches the firmware public key it verifies images with (provisioning). */
export const FIRMWARE_KEY_PATH = '/seat/v1/firmware-key';

/**
 * GET /seat/v1/firmware-key; GET /api/v1/firmware; PUT /api/v1/firmware/:model/:version
 * (the image as the body); POST /api/v1/firmware/verify.
 */
export function firmwareRoutes(f: FirmwareService, tftpBase: () => string | undefined) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    // Down while its (supervised) service is failing and being restarted: 503 FIRMWARE_UNAVAILABLE meanwhile.
    const running = () => f.running.get();

    // Images are streamed to disk as they arrive, never buffered (this parser is for these routes only).
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

    app.get(FIRMWARE_KEY_PATH, async () => {
      const { keys } = running();
      return { firmwareKey: keys.publicKeyRaw, keyId: keys.keyId };
    });

    app.get('/api/v1/firmware', async () => {
      const { catalog, keys } = running();
      // maxImageBytes: so the CLI refuses an oversized image before sending it.
      return { keyId: keys.keyId, canSign: keys.canSign, tftp: tftpBase() ?? null, maxImageBytes: ctx.config.firmware.maxImageBytes, images: catalog.list() };
    });

    deferContinue(app.server, (req) => req.method === 'PUT' && req.url?.startsWith('/api/v1/firmware/') === true);
    // Refusals come from the request line and headers alone, before the body is read (src/firmware/upload-checks.ts).
    app.put<{ Params: { model: string; version: string } }>(
      '/api/v1/firmware/:model/:version',
      {
        onRequest: [
          requireRole(ctx, 'technician'),
          async (req, reply) => {
            const { catalog } = running();
            req.upload = checkUploadHeaders(req.params, req.headers, catalog, ctx.config.firmware.maxImageBytes);
            continueIfExpected(req.raw, reply.raw);
          },
        ],
        // A refusal sent while the client is still sending: not the rest of an image that may be a gigabyte.
        onSend: async (req, reply) => {
          if (!req.raw.complete) lingerThenClose(req.raw, reply.raw);
        },
      },
      async (req, reply) => {
        const { catalog } = running();
        const { model, version, signature } = req.upload!;
        try {
          const image = await importUpload(req.body as Readable, f.incomingDir, catalog, { model, version, maxBytes: ctx.config.firmware.maxImageBytes, ...(signature ? { signature } : {}) });
          reply.code(201);
          return { image };
        } catch (err) {
          throw err instanceof FirmwareError ? firmwareApiError(err) : err;
        }
      },
    );

    app.post('/api/v1/firmware/verify', { onRequest: requireRole(ctx, 'technician'), config: { idempotent: true } }, async () => {
      return { report: await f.verify() };
    });
  };
}
