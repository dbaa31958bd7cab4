import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FirmwareCatalog, FirmwareRecord } from '../../firmware/catalog.js';
import type { FirmwareError } from '../../firmware/errors.js';
import { assertName, assertSignatureText } from '../../firmware/manifest.js';
import { ApiError } from '../http/errors.js';

export interface UploadOptions {
  model: string;
  version: string;
  signature?: string;
  maxBytes: number;
}

/**
 * An image uploaded over the API, imported into the catalog. The bytes come in
 * the request, never from a path on the controller: whoever may import holds
 * the signing key, and must not be able to have the controller sign and serve
 * a file of its own (a key, a password file). Names and the signature's form
 * are checked before a byte is written.
 */
export async function importUpload(body: Readable, incomingDir: string, catalog: FirmwareCatalog, o: UploadOptions): Promise<FirmwareRecord> {
  assertName('model', o.model);
  assertName('version', o.version);
  if (o.signature !== undefined) assertSignatureText(o.signature, 'the x-firmware-signature header');
  const tmp = join(incomingDir, `upload-${randomBytes(8).toString('hex')}.img`);
  try {
    const counter = limit(o.maxBytes);
    await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    // The catalog would publish an empty file before its row refused it; no image is empty.
    if (counter.bytes === 0) throw new ApiError(400, 'EMPTY_IMAGE', 'the image is empty', 'image');
    return await catalog.import(tmp, { model: o.model, version: o.version, ...(o.signature ? { signature: o.signature } : {}) });
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Passes bytes through, counting them, and fails past `maxBytes`. */
function limit(maxBytes: number): Transform & { bytes: number } {
  const counter = Object.assign(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        counter.bytes += chunk.length;
        if (counter.bytes > maxBytes) done(new ApiError(413, 'IMAGE_TOO_LARGE', `the image is over firmware.maxImageBytes (${maxBytes} bytes)`));
        else done(null, chunk);
      },
    }),
    { bytes: 0 },
  );
  return counter;
}

/** FirmwareError codes as HTTP answers; the message already says what to do. */
export function firmwareApiError(err: FirmwareError): ApiError {
  switch (err.code) {
    case 'invalid':
      return new ApiError(400, 'INVALID_FIRMWARE', err.message, err.field);
    case 'conflict':
      return new ApiError(409, 'VERSION_EXISTS', err.message, 'version');
    case 'unsigned':
      return new ApiError(422, 'UNSIGNED', err.message, 'signature');
    case 'bad-signature':
      return new ApiError(422, 'BAD_SIGNATURE', err.message, 'signature');
    case 'key':
      return new ApiError(503, 'FIRMWARE_KEY', err.message);
  }
}
