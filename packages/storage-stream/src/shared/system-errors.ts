import type { StorageErrorCode } from '@sanctum/storage-core';

/** Node socket errors (`error.code`) → code; the same for every backend's connection. */
export const SYSTEM_CODES: Readonly<Record<string, StorageErrorCode>> = {
  ECONNREFUSED: 'UNAVAILABLE',
  ECONNRESET: 'UNAVAILABLE',
  EPIPE: 'UNAVAILABLE',
  ENOTFOUND: 'UNAVAILABLE',
  EAI_AGAIN: 'UNAVAILABLE',
  EHOSTUNREACH: 'UNAVAILABLE',
  ETIMEDOUT: 'TIMEOUT',
};
