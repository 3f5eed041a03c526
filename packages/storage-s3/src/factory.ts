import type { AdapterFactory } from '@sanctum/storage-core/spi';
import { S3_ADAPTER } from './errors.js';
import { createResolvedS3BlobStore, type S3BlobStore, type S3StoreTuning } from './blob-store.js';
import type { SweepOptions, SweepResult } from './multipart/sweep.js';
import { s3OptionsSchema, type ResolvedS3Options } from './options.js';

/**
 * The `s3` blob adapter for `createStorageClient`: `adapters: [s3Blobs()]` in the runtime, then
 * `{ use: 's3', options: { … } }` in the config. Options are validated when the client is created;
 * `tuning` holds code-side knobs that are not config (see {@link S3StoreTuning}).
 */
export function s3Blobs(tuning: Omit<S3StoreTuning, 'logger'> = {}): AdapterFactory<S3BlobStore, ResolvedS3Options> {
  return {
    kind: 'blob',
    name: S3_ADAPTER,
    optionsSchema: s3OptionsSchema,
    create: (options, context) => createResolvedS3BlobStore(options, { ...tuning, logger: context.logger }),
  };
}

/**
 * The previous name of {@link s3Blobs}.
 * @deprecated Use `s3Blobs()`; this alias is removed in the next minor release.
 */
export const s3: typeof s3Blobs = s3Blobs;

/**
 * Aborts incomplete multipart uploads and deletes staging objects older than
 * `options.olderThanHours` in the store's buckets: what crashed or abandoned uploads leave behind.
 */
export function sweepIncompleteUploads(store: S3BlobStore, options: SweepOptions): Promise<SweepResult> {
  return store.sweepIncompleteUploads(options);
}
