import { randomUUID } from 'node:crypto';
import { s3Error, type ErrorContext } from './errors.js';
import { isBucketName, type ResolvedS3Options } from './options.js';

/** S3's longest object key, in UTF-8 bytes (before the namespace's key prefix is added). */
export const S3_MAX_KEY_BYTES = 1024;

/**
 * Reserved key prefix for multipart uploads that are assembled first and then copied to their key
 * (so their checksum can be set as metadata). Namespace names cannot start with a dot, so in a
 * shared bucket it never collides with a namespace; in a bucket of its own it is hidden from
 * listings and refused as a user key.
 */
export const STAGING_DIR = '.sanctum-staging/';

/** Where one namespace lives: its bucket and the key prefix of its objects there. */
export interface NamespaceLocation {
  readonly bucket: string;
  /** Prepended to every key of the namespace (`''` with a bucket per namespace). */
  readonly keyPrefix: string;
  /** Prefix of this namespace's staging objects. */
  readonly stagingPrefix: string;
}

/** Maps namespaces to buckets and key prefixes, per the configured mode. */
export class Layout {
  readonly #options: Pick<ResolvedS3Options, 'bucket' | 'bucketPerNamespace' | 'prefix'>;

  constructor(options: Pick<ResolvedS3Options, 'bucket' | 'bucketPerNamespace' | 'prefix'>) {
    this.#options = options;
  }

  /** True with one bucket per namespace. */
  get bucketPerNamespace(): boolean {
    return this.#options.bucketPerNamespace;
  }

  /** The bucket all namespaces share, when they share one. */
  get sharedBucket(): string | undefined {
    return this.#options.bucket;
  }

  /** The location of `namespace`; INVALID_ARGUMENT when it cannot be mapped safely. */
  locate(namespace: string, context: ErrorContext): NamespaceLocation {
    if (typeof namespace !== 'string' || namespace.length === 0 || namespace.includes('/')) {
      throw s3Error('INVALID_ARGUMENT', 'namespace must be a non-empty string without "/"', context);
    }
    const { prefix, bucket } = this.#options;
    if (bucket !== undefined) return { bucket, keyPrefix: `${prefix}${namespace}/`, stagingPrefix: `${prefix}${STAGING_DIR}` };
    const name = `${prefix}${namespace}`;
    if (!isBucketName(name)) {
      throw s3Error('INVALID_ARGUMENT', `namespace "${namespace}" does not form a valid bucket name with the prefix (lower-case letters, digits, "-", ".", 3-63 characters)`, context);
    }
    return { bucket: name, keyPrefix: '', stagingPrefix: STAGING_DIR };
  }

  /** The object key of `key` in `location` (checked by core's rules first); INVALID_ARGUMENT for keys in the reserved staging area. */
  objectKey(location: NamespaceLocation, key: string, context: ErrorContext): string {
    if (location.keyPrefix === '' && key.startsWith(STAGING_DIR)) {
      throw s3Error('INVALID_ARGUMENT', `keys starting with "${STAGING_DIR}" are reserved by the s3 adapter`, context);
    }
    return location.keyPrefix + key;
  }

  /** A fresh staging key in `location`'s bucket. */
  stagingKey(location: NamespaceLocation): string {
    return `${location.stagingPrefix}${randomUUID()}`;
  }
}
