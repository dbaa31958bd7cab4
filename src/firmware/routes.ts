import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { FirmwareError } from '../../firmware/errors.js';
import type { ControllerContext } from '../contract/feature.js';
import { requireRole } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { FirmwareService } from './firmware-service.js';
import { firmwareApiError, importUpload } from './upload.js';

/** Where a seat fetches the firmware public key it verifies images with (provisioning). */
export const FIRMWARE_KEY_PATH = '/seat/v1/firmware-key';
export const SIGNATURE_HEADER = 'x-firmware-signature';

/**
 * GET /seat/v1/firmware-key; GET /api/v1/firmware; PUT /api/v1/firmware/:model/:version
 * (the image as the body); POST /api/v1/firmware/verify.
 */
export function firmwareRoutes(f: FirmwareService, tftpBase: () => string | undefined) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    const running = () => {
      // The catalog is down while its (supervised) service is failing and being restarted.
      const catalog = f.catalog;
      const keys = f.keys;
      if (!catalog || !keys) throw new ApiError(503, 'FIRMWARE_UNAVAILABLE', 'the firmware catalog is not running; see GET /api/v1/health');
      return { f, catalog, keys };
    };

    // Images are streamed to disk as they arrive, never buffered (this parser is for these routes only).
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

    app.get(FIRMWARE_KEY_PATH, async () => {
      const { keys } = running();
      return { firmwareKey: keys.publicKeyRaw, keyId: keys.keyId };
    });

    app.get('/api/v1/firmware', async () => {
      const { catalog, keys } = running();
      return { keyId: keys.keyId, canSign: keys.canSign, tftp: tftpBase() ?? null, images: catalog.list() };
    });

    app.put<{ Params: { model: string; version: string } }>(
      '/api/v1/firmware/:model/:version',
      { onRequest: requireRole(ctx, 'technician') },
      async (req, reply) => {
        const { f, catalog } = running();
        const max = ctx.config.firmware.maxImageBytes;
        if (!req.headers['content-type']?.startsWith('application/octet-stream')) {
          throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the image as the body with content-type: application/octet-stream');
        }
        if (Number(req.headers['content-length']) > max) throw new ApiError(413, 'IMAGE_TOO_LARGE', `the image is over firmware.maxImageBytes (${max} bytes)`);
        const signature = req.headers[SIGNATURE_HEADER];
        if (Array.isArray(signature)) throw new ApiError(400, 'INVALID_FIRMWARE', `send one ${SIGNATURE_HEADER} header`, 'signature');
        try {
          const image = await importUpload(req.body as Readable, f.incomingDir, catalog, { ...req.params, maxBytes: max, ...(signature ? { signature } : {}) });
          reply.code(201);
          return { image };
        } catch (err) {
          throw err instanceof FirmwareError ? firmwareApiError(err) : err;
        }
      },
    );

    app.post('/api/v1/firmware/verify', { onRequest: requireRole(ctx, 'technician') }, async () => {
      const { f } = running();
      return { report: await f.verify() };
    });
  };
}
