import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { BlobPutRequest } from '@sanctum/storage-core/spi';
import type { PutConditions } from './conditions.js';
import { s3Error, type ErrorContext } from './errors.js';

/** Longest retention accepted: 100 years. */
const MAX_RETENTION_MS = 100 * 365 * 24 * 3600 * 1000;

/**
 * S3 Object Lock for every object this store writes (a WORM store). The bucket must have Object Lock
 * enabled (it is created so with `autoCreateBucket`); each put carries the retention and, when set,
 * a legal hold. The server then refuses to delete or shorten the retention of a locked version, from
 * this library or any client (measured on Ceph RGW: docs/ledger.md).
 */
export interface S3ObjectLockOptions {
  /** `COMPLIANCE`: nobody can remove the lock before it ends. `GOVERNANCE`: a user with the bypass permission can. */
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** Retention of each object from its write, in milliseconds (1 second to 100 years). */
  readonly retentionMs: number;
  /** Put every object under legal hold. @default false */
  readonly legalHold?: boolean | undefined;
}

export const objectLockSchema = z
  .object({
    mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
    retentionMs: z.number().int().min(1000).max(MAX_RETENTION_MS),
    legalHold: z.boolean().default(false),
  })
  .strict();

export type ResolvedObjectLock = z.output<typeof objectLockSchema>;

/** The Object Lock headers of a put in a WORM store (sent with the PUT, like conditional headers). */
export function lockedPutConditions(lock: ResolvedObjectLock, now: number): PutConditions {
  return {
    headers: {
      'x-amz-object-lock-mode': lock.mode,
      'x-amz-object-lock-retain-until-date': new Date(now + lock.retentionMs).toISOString(),
      ...(lock.legalHold ? { 'x-amz-object-lock-legal-hold': 'ON' } : {}),
    },
  };
}

/** RETENTION_LOCKED for an overwrite in a WORM store. */
export function overwriteRefused(request: BlobPutRequest, context: ErrorContext) {
  return s3Error('RETENTION_LOCKED', `the key exists in a WORM store (S3 Object Lock): objects cannot be overwritten`, context, {
    details: { key: request.key },
  });
}

/** Why a HEAD's object cannot be deleted now, or undefined when it can. */
export function lockOf(headers: IncomingHttpHeaders, now: number): string | undefined {
  if (headers['x-amz-object-lock-legal-hold'] === 'ON') return 'it is under legal hold';
  const until = headers['x-amz-object-lock-retain-until-date'];
  if (typeof until === 'string' && Date.parse(until) > now) return `it is retained until ${until}`;
  return undefined;
}
