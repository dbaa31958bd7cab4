import type { IncomingHttpHeaders } from 'node:http';
import type { FirmwareCatalog } from '../../firmware/catalog.js';
import { FirmwareError } from '../../firmware/errors.js';
import { assertName, assertSignatureText } from '../../firmware/manifest.js';
import { ApiError } from '../http/errors.js';
import { firmwareApiError } from './upload.js';

export const SIGNATURE_HEADER = 'x-firmware-signature';

export interface UploadHeaders {
  model: string;
  version: string;
  signature?: string;
  /** From content-length; undefined when the body is chunked (the stream's own limit then applies). */
  size?: number;
}

/**
 * Everything about an upload that its request line and headers can settle:
 * run before a byte of the body is read, so a bad version or an oversized
 * image is refused at once instead of after the whole file came in.
 */
export function checkUploadHeaders(params: { model: string; version: string }, headers: IncomingHttpHeaders, catalog: FirmwareCatalog, maxBytes: number): UploadHeaders {
  try {
    assertName('model', params.model);
    assertName('version', params.version);
    const signature = headers[SIGNATURE_HEADER];
    if (Array.isArray(signature)) throw new ApiError(400, 'INVALID_FIRMWARE', `send one ${SIGNATURE_HEADER} header`, 'signature');
    if (signature !== undefined) assertSignatureText(signature, `the ${SIGNATURE_HEADER} header`);
    const type = headers['content-type'];
    if (typeof type !== 'string' || !type.startsWith('application/octet-stream')) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the image as the body with content-type: application/octet-stream');
    }
    const length = headers['content-length'];
    const size = length === undefined ? undefined : Number(length);
    // Node's parser refuses most bad lengths first; what it lets through is refused here, not compared.
    if (size !== undefined && (typeof length !== 'string' || !/^[0-9]{1,16}$/.test(length) || !Number.isSafeInteger(size))) {
      throw new ApiError(400, 'BAD_CONTENT_LENGTH', 'content-length must be the image size in bytes', 'image');
    }
    if (size !== undefined && size > maxBytes) throw new ApiError(413, 'IMAGE_TOO_LARGE', `the image is ${size} bytes, over firmware.maxImageBytes (${maxBytes} bytes)`, 'image');
    if (size === 0) throw new ApiError(400, 'EMPTY_IMAGE', 'the image is empty', 'image');
    // A version names one image forever: another size cannot be the same image, whatever its bytes.
    const existing = catalog.get(params.model, params.version);
    if (existing && size !== undefined && existing.size !== size) {
      throw new ApiError(409, 'VERSION_EXISTS', `${params.model} ${params.version} is already in the catalog with other content (${existing.size} bytes, not ${size}); a new image needs a new version`, 'version');
    }
    return { model: params.model, version: params.version, ...(signature ? { signature } : {}), ...(size === undefined ? {} : { size }) };
  } catch (err) {
    throw err instanceof FirmwareError ? firmwareApiError(err) : err;
  }
}
