import { parseOptions } from '@sanctum/storage-core/spi';
import { z } from 'zod';
import { objectLockSchema, type ResolvedObjectLock, type S3ObjectLockOptions } from './worm.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** S3 refuses parts below 5 MiB (except the last) and above 5 GiB. */
export const MIN_PART_SIZE = 5 * MIB;
/** Largest part S3 accepts. */
export const MAX_PART_SIZE = 5 * GIB;
/** Longest presigned URL lifetime SigV4 allows. */
export const MAX_PRESIGN_SECONDS = 604_800;

/** A byte count: a number of bytes or a string such as `'16MiB'`, `'512 KiB'`, `'1GiB'`, `'8MB'`. */
export type ByteSize = number | string;

/** Options of the S3 blob adapter, as written in config (`adapters.<name>.options`) or code. */
export interface S3BlobStoreOptions {
  /** Host name or IP of the S3 endpoint, without scheme or port (e.g. `s3.amazonaws.com`). */
  readonly endPoint: string;
  /** TCP port. @default 443 with TLS, 80 without */
  readonly port?: number | undefined;
  /** Use HTTPS. @default true */
  readonly useSSL?: boolean | undefined;
  /** Access key id. */
  readonly accessKey: string;
  /** Secret access key. Never logged, never part of an error or a health report. */
  readonly secretKey: string;
  /** Session token of temporary credentials. @default none */
  readonly sessionToken?: string | undefined;
  /** Signing region; Ceph RGW and MinIO accept `us-east-1`. @default 'us-east-1' */
  readonly region?: string | undefined;
  /** One bucket for every namespace; each namespace is the key prefix `<prefix><namespace>/`. Exclusive with `bucketPerNamespace`. */
  readonly bucket?: string | undefined;
  /** One bucket per namespace, named `<prefix><namespace>`. Exclusive with `bucket`. @default false */
  readonly bucketPerNamespace?: boolean | undefined;
  /**
   * With `bucket`: prepended to every object key (e.g. `app1/`). With `bucketPerNamespace`: prepended
   * to the namespace to form the bucket name (e.g. `app1-`). @default ''
   */
  readonly prefix?: string | undefined;
  /** Path-style URLs (`host/bucket/key`); Ceph RGW and MinIO want them, AWS prefers `false`. @default true */
  readonly pathStyle?: boolean | undefined;
  /**
   * Size of one multipart part: between 5 MiB and 5 GiB. Objects can have up to 10,000 parts, so this
   * also caps the object size (8 MiB → 78 GiB). @default '8MiB'
   */
  readonly partSize?: ByteSize | undefined;
  /**
   * Part buffers per upload: the one being filled and those in flight. Memory held by one upload is
   * at most `partSize × parallelParts` (ADR-009: 2 keeps a 1 GiB upload near 150 MiB RSS). @default 2
   */
  readonly parallelParts?: number | undefined;
  /**
   * Bodies up to this size go in one PUT, held in the part buffers until their end is seen; larger
   * ones in parts. At most `partSize × parallelParts` (the buffers one upload may hold anyway).
   * Conditional puts must fit one PUT. @default the smaller of 2 × partSize and partSize × parallelParts
   */
  readonly multipartThreshold?: ByteSize | undefined;
  /** Create a missing bucket on first use instead of failing with CONFIG_INVALID. @default false */
  readonly autoCreateBucket?: boolean | undefined;
  /** A request whose socket stays idle this long fails with TIMEOUT. @default 60_000 */
  readonly requestTimeoutMs?: number | undefined;
  /** Most sockets kept open to the endpoint. @default 32 */
  readonly maxSockets?: number | undefined;
  /** Longest lifetime a presigned URL may ask for, in seconds (1 to 604800). @default 604800 */
  readonly maxPresignExpirySeconds?: number | undefined;
  /**
   * Canned ACLs per object (`private`, `public-read`), mapped from the namespace's `acl`. Turn off for
   * servers or buckets without object ACLs (MinIO; AWS buckets with Object Ownership "bucket owner
   * enforced"): the `acl` capability is then `false`. @default true
   */
  readonly cannedAcl?: boolean | undefined;
  /**
   * Put the SHA-256 of every request body into the SigV4 signature on plain HTTP. Off, bodies are
   * sent as `UNSIGNED-PAYLOAD` and protected by their Content-MD5 header, which the signature covers
   * and the server verifies: the same protection for one hash less per byte. Over HTTPS bodies are
   * always unsigned (TLS protects them). @default false
   */
  readonly signPayload?: boolean | undefined;
  /**
   * Make this a WORM store with S3 Object Lock: every put is create-only and carries this retention
   * (and legal hold); deletes of retained objects fail with RETENTION_LOCKED. Puts must then fit one
   * PUT (`multipartThreshold`). @default none
   */
  readonly objectLock?: S3ObjectLockOptions | undefined;
}

/** Options after validation, with every default filled in. */
export interface ResolvedS3Options {
  readonly endPoint: string;
  readonly port: number | undefined;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly sessionToken: string | undefined;
  readonly region: string;
  readonly bucket: string | undefined;
  readonly bucketPerNamespace: boolean;
  readonly prefix: string;
  readonly pathStyle: boolean;
  readonly partSize: number;
  readonly parallelParts: number;
  readonly multipartThreshold: number;
  readonly autoCreateBucket: boolean;
  readonly requestTimeoutMs: number;
  readonly maxSockets: number;
  readonly maxPresignExpirySeconds: number;
  readonly cannedAcl: boolean;
  readonly signPayload: boolean;
  readonly objectLock: ResolvedObjectLock | undefined;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: KIB, mib: MIB, gib: GIB };
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Bytes of a `ByteSize`; `undefined` when the text is not a size. */
export function parseByteSize(value: ByteSize): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const match = SIZE.exec(value.trim());
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  if (match === null || unit === undefined) return undefined;
  const bytes = Number(match[1]) * unit;
  return Number.isInteger(bytes) ? bytes : undefined;
}

const byteSize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseByteSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: "expected a whole number of bytes or a size such as '16MiB'" });
    return z.NEVER;
  }
  return bytes;
});

// Bucket names as S3 accepts them today (lower-case, 3-63 characters, no adjacent dots, not an
// IP address).
const BUCKET = /^(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** True when `name` is a valid S3 bucket name. */
export function isBucketName(name: string): boolean {
  return BUCKET.test(name);
}

const schema = z
  .object({
    endPoint: z.string().min(1),
    port: z.number().int().min(1).max(65_535).optional(),
    useSSL: z.boolean().default(true),
    accessKey: z.string().min(1),
    secretKey: z.string().min(1),
    sessionToken: z.string().min(1).optional(),
    region: z.string().min(1).default('us-east-1'),
    bucket: z.string().regex(BUCKET, 'must be a valid S3 bucket name').optional(),
    bucketPerNamespace: z.boolean().default(false),
    prefix: z.string().default(''),
    pathStyle: z.boolean().default(true),
    partSize: byteSize
      .pipe(z.number().min(MIN_PART_SIZE, 'must be at least 5 MiB').max(MAX_PART_SIZE, 'must be at most 5 GiB'))
      .default(8 * MIB),
    parallelParts: z.number().int().min(1).max(64).default(2),
    multipartThreshold: byteSize.optional(),
    autoCreateBucket: z.boolean().default(false),
    requestTimeoutMs: z.number().int().positive().default(60_000),
    maxSockets: z.number().int().positive().max(1024).default(32),
    maxPresignExpirySeconds: z.number().int().min(1).max(MAX_PRESIGN_SECONDS).default(MAX_PRESIGN_SECONDS),
    cannedAcl: z.boolean().default(true),
    signPayload: z.boolean().default(false),
    objectLock: objectLockSchema.optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    if ((options.bucket === undefined) === !options.bucketPerNamespace) {
      ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'set exactly one of "bucket" and "bucketPerNamespace: true"' });
    }
    if (options.multipartThreshold !== undefined && options.multipartThreshold > options.partSize * options.parallelParts) {
      ctx.addIssue({
        code: 'custom',
        path: ['multipartThreshold'],
        message: 'must not exceed partSize × parallelParts (a single-PUT body is held in the part buffers); raise parallelParts or lower it',
      });
    }
  })
  .transform(
    (options): ResolvedS3Options => ({
      ...options,
      port: options.port,
      sessionToken: options.sessionToken,
      bucket: options.bucket,
      objectLock: options.objectLock,
      multipartThreshold: options.multipartThreshold ?? options.partSize * Math.min(2, options.parallelParts),
    }),
  );

/** Validates `s3Blobs()` options and fills their defaults. Issues name the option path, never its value. */
export const s3OptionsSchema: z.ZodType<ResolvedS3Options, S3BlobStoreOptions> = schema;

/** Validated options, or CONFIG_INVALID listing every invalid path (the shared SPI rule; values are never echoed). */
export function resolveOptions(options: S3BlobStoreOptions): ResolvedS3Options {
  return parseOptions(s3OptionsSchema, options, { adapter: 's3' });
}
