import { isStorageError, type StorageErrorCode } from '@sanctum/storage-core';

/**
 * The CLI's exit codes (documented in the README; `test/exit-codes.test.ts` checks each one).
 * Scripts can branch on them without parsing output.
 */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** The operation failed (storage error not listed below), `health` found an adapter down, or `config validate` found problems. */
  FAILED: 1,
  /** Bad arguments, unknown command, or a file given on the command line that cannot be read. */
  USAGE: 2,
  /** The `--config` file is missing, unreadable, invalid, or holds a secret (secrets come from the environment). */
  CONFIG: 3,
  /** NOT_FOUND: the record, object or upload state does not exist. */
  NOT_FOUND: 4,
  /** PRECONDITION_FAILED or ALREADY_EXISTS: a conditional write lost. */
  CONFLICT: 5,
  /** UNAVAILABLE, TIMEOUT, CIRCUIT_OPEN or BACKPRESSURE: a backend is unreachable or slow; retry later. */
  UNAVAILABLE: 6,
  /** Interrupted by SIGINT/SIGTERM (an interrupted `blob put` can be continued with `--resume`). */
  INTERRUPTED: 130,
} as const;

const BY_CODE: Partial<Record<StorageErrorCode, number>> = {
  NOT_FOUND: EXIT.NOT_FOUND,
  PRECONDITION_FAILED: EXIT.CONFLICT,
  ALREADY_EXISTS: EXIT.CONFLICT,
  UNAVAILABLE: EXIT.UNAVAILABLE,
  TIMEOUT: EXIT.UNAVAILABLE,
  CIRCUIT_OPEN: EXIT.UNAVAILABLE,
  BACKPRESSURE: EXIT.UNAVAILABLE,
  CONFIG_INVALID: EXIT.CONFIG,
};

/** The exit code for an error a command threw. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (isStorageError(error)) return BY_CODE[error.code] ?? EXIT.FAILED;
  return EXIT.FAILED;
}

/** An error of the CLI itself (bad input, bad config), with the exit code it ends with. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  constructor(message: string, exitCode: number, code = exitCode === EXIT.CONFIG ? 'CONFIG_INVALID' : exitCode === EXIT.USAGE ? 'USAGE' : 'FAILED') {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
  }
}
