import { StorageError, type StorageClient } from '@sanctum/storage-core';
import { configPath, CONFIG_ENV, loadConfig, type LoadedConfig } from './config/load.js';
import { CliError, EXIT } from './exit-codes.js';
import { clientFor } from './runtime.js';
import type { Output } from './ui/output.js';

/** What every command gets. */
export interface CommandContext {
  readonly out: Output;
  /** Aborted on SIGINT/SIGTERM. */
  readonly interrupt: AbortSignal;
  /** Per-call deadline in milliseconds (`--timeout-ms`). */
  readonly timeoutMs: number;
  /** The `--config` path, or the one named by the env var. */
  readonly configFile: string | undefined;
}

/** The result of a command: its exit code and the document `--json` prints. */
export interface CommandResult {
  readonly code: number;
  readonly json: unknown;
}

/** The loaded config; a CONFIG exit when none was given. */
export async function requireConfig(ctx: CommandContext): Promise<LoadedConfig> {
  if (ctx.configFile === undefined) {
    throw new CliError(`this command needs a storage config: pass --config FILE or set ${CONFIG_ENV} (see apps/demo-cli/configs/)`, EXIT.CONFIG);
  }
  return loadConfig(ctx.configFile);
}

/** A deadline signal for one call: fires on `--timeout-ms` or on interrupt. */
export function callSignal(ctx: CommandContext): AbortSignal {
  return AbortSignal.any([ctx.interrupt, AbortSignal.timeout(ctx.timeoutMs)]);
}

/** Runs `body` with a client over the config, closing it afterwards whatever happens. */
export async function withClient<T>(ctx: CommandContext, body: (client: StorageClient, config: LoadedConfig) => Promise<T>): Promise<T> {
  const config = await requireConfig(ctx);
  const client = await clientFor(config);
  try {
    return await body(client, config);
  } finally {
    await client.close();
  }
}

/** Ends `promise` by the deadline with TIMEOUT, for calls that take no signal. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageError('TIMEOUT', `${operation} did not finish within ${ms} ms (--timeout-ms)`, { operation })), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export { configPath };
