// The content room's public API, for the feature that wires it in and the CLI.
export { ContentError, type ContentErrorCode } from './errors.js';
export { ingest, ingestDrive, type IngestOptions, type IngestProgress, type IngestPhase, type IngestResult } from './ingest.js';
export { contentVerifier, loadContentSigningKey, type ContentSigner, type SigningKey, type VerifyKey } from './keys.js';
export { ContentLibrary, etag, type CatalogFile, type ContentCatalog, type ContentLibraryOptions, type GcReport, type OpenedFile, type RehashReport, type StartupReport, type VersionInfo } from './library.js';
export {
  DEFAULT_LIMITS, KINDS, MANIFEST_NAME, parseContentManifest, serializeManifest, signedBytes,
  type ContentFile, type ContentKind, type ContentManifest, type ManifestLimits, type ParseResult,
} from './manifest.js';
export { pack, type FileMetadata, type PackOptions } from './pack.js';
export { ContentWorkers, type ContentWorkersOptions } from './workers.js';
