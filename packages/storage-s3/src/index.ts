// Public surface of @sanctum/storage-s3. Everything exported is listed here by name.
export { s3Blobs, s3 } from './factory.js';
export { createS3BlobStore } from './blob-store.js';
export type { S3BlobStore, S3StoreTuning } from './blob-store.js';
export type { S3BlobStoreOptions, ResolvedS3Options, ByteSize } from './options.js';
export type { S3ObjectLockOptions } from './worm.js';
export { UPLOAD_STATE_FORMAT } from './multipart/resumable.js';
export type {
  ResumableUpload,
  ResumableUploadState,
  CreateUploadRequest,
  ResumeUploadOptions,
  UploadProgress,
} from './multipart/resumable.js';
export type { PartRecord } from './multipart/part-writer.js';
export { sweepIncompleteUploads } from './factory.js';
export type { SweepOptions, SweepResult } from './multipart/sweep.js';
