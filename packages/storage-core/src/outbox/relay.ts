import { isStorageError, StorageError } from '../errors/index.js';
import { IDEMPOTENCY_KEY_HEADER } from '../layers/resilience/policy.js';
import { DEAD_LETTER, type OutboxBatchOutcome, type OutboxRow, type OutboxWatch } from '../spi/index.js';
import type { JsonValue } from '../types/index.js';
import type { StorageClient } from '../client/types.js';

/** The header carrying a relayed message's outbox id (the same value as `idempotency-key`). */
export const OUTBOX_ID_HEADER = 'outbox-id';

/** Options of {@link runOutboxRelay}, {@link startOutboxRelay} and {@link relayOutboxOnce}. */
export interface OutboxRelayOptions {
  /** The client whose stream namespaces receive the messages (their layers, resilience included, apply). */
  readonly client: StorageClient;
  /** The record adapter instance (`adapters.<name>` in the config) whose outbox is relayed. */
  readonly adapter: string;
  /** Rows claimed per batch. @default 200 */
  readonly batchSize?: number;
  /**
   * Longest pause when there was nothing to relay, in ms: the poll interval. A relay woken on commit
   * (see `wakeOnCommit`) polls only as a fallback for lost wake-ups.
   * @default 250 when the adapter wakes relays on commit (PostgreSQL), else 20
   */
  readonly idleMs?: number;
  /**
   * Wake up as soon as a transaction that wrote outbox rows commits, when the adapter can tell
   * (PostgreSQL LISTEN/NOTIFY, on a connection of its own), instead of waiting for the next poll.
   * @default true
   */
  readonly wakeOnCommit?: boolean;
  /** Failed publishes of one row before it is dead-lettered. @default 10 */
  readonly maxAttempts?: number;
  /** How long sent rows are kept, in ms; 0 keeps them forever. @default 86_400_000 (one day) */
  readonly retentionMs?: number;
  /** How often sent rows past the retention are purged, and the metrics refreshed, in ms. @default 5_000 */
  readonly housekeepingMs?: number;
  /** Errors of the loop itself (database or stream down); the loop backs off and goes on. */
  readonly onError?: (error: unknown) => void;
  /** Called after each batch that claimed rows, with what it did (progress reports, logs). */
  readonly onBatch?: (result: OutboxRelayResult) => void;
}

/** What one batch did. */
export interface OutboxRelayResult {
  readonly claimed: number;
  readonly sent: number;
  readonly failed: number;
  readonly dead: number;
}

interface Resolved {
  readonly client: StorageClient;
  readonly adapter: string;
  readonly batchSize: number;
  /** undefined: the default, which depends on whether the adapter wakes relays. */
  readonly idleMs: number | undefined;
  readonly wakeOnCommit: boolean;
  readonly maxAttempts: number;
  readonly retentionMs: number;
  readonly housekeepingMs: number;
  readonly onError: (error: unknown) => void;
  readonly onBatch: ((result: OutboxRelayResult) => void) | undefined;
}

function integer(value: unknown, fallback: number, min: number, max: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new StorageError('INVALID_ARGUMENT', `${field} must be an integer from ${String(min)} to ${String(max)}, got ${String(value)}`, {
      operation: 'outbox.relay',
      details: { field },
    });
  }
  return value;
}

function flag(value: unknown, fallback: boolean, field: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new StorageError('INVALID_ARGUMENT', `${field} must be true or false, got ${typeof value}`, { operation: 'outbox.relay', details: { field } });
  }
  return value;
}

function resolve(options: OutboxRelayOptions): Resolved {
  if (typeof options !== 'object' || options === null || typeof options.client?.outbox !== 'function') {
    throw new StorageError('INVALID_ARGUMENT', 'options.client must be a storage client (createStorageClient)', { operation: 'outbox.relay', details: { field: 'client' } });
  }
  if (typeof options.adapter !== 'string' || options.adapter.length === 0) {
    throw new StorageError('INVALID_ARGUMENT', 'options.adapter must name a record adapter instance of the config (e.g. "pg")', {
      operation: 'outbox.relay',
      details: { field: 'adapter' },
    });
  }
  return {
    client: options.client,
    adapter: options.adapter,
    batchSize: integer(options.batchSize, 200, 1, 10_000, 'batchSize'),
    idleMs: options.idleMs === undefined ? undefined : integer(options.idleMs, 20, 1, 60_000, 'idleMs'),
    wakeOnCommit: flag(options.wakeOnCommit, true, 'wakeOnCommit'),
    maxAttempts: integer(options.maxAttempts, 10, 1, 1000, 'maxAttempts'),
    retentionMs: integer(options.retentionMs, 86_400_000, 0, 10 * 365 * 86_400_000, 'retentionMs'),
    housekeepingMs: integer(options.housekeepingMs, 5_000, 10, 3_600_000, 'housekeepingMs'),
    onError: options.onError ?? (() => undefined),
    onBatch: options.onBatch,
  };
}

function headersOf(row: OutboxRow): Record<string, string> {
  return { ...row.headers, [IDEMPOTENCY_KEY_HEADER]: row.id, [OUTBOX_ID_HEADER]: row.id };
}

function payloadOf(row: OutboxRow): JsonValue {
  try {
    return JSON.parse(row.payload) as JsonValue;
  } catch (cause) {
    // Core wrote valid JSON; anything else was put there by hand: a poison row, never retried.
    throw new StorageError('INVALID_ARGUMENT', `outbox row ${row.id} holds a payload that is not JSON`, { operation: 'outbox.relay', namespace: row.stream, retryable: false, cause });
  }
}

function messageOf(row: OutboxRow): { payload: JsonValue; key?: string; headers: Record<string, string> } {
  return { payload: payloadOf(row), ...(row.key === undefined ? {} : { key: row.key }), headers: headersOf(row) };
}

/** A dead letter carries the payload as it was; text that is not JSON travels as a JSON string. */
function deadPayloadOf(row: OutboxRow): JsonValue {
  try {
    return JSON.parse(row.payload) as JsonValue;
  } catch {
    return row.payload;
  }
}

function describe(error: unknown): string {
  const text = isStorageError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return text.slice(0, 1000);
}

/**
 * Publishes one claimed batch: per stream namespace, all its rows in one `publishBatch` (id order,
 * so per-key order holds). When that fails, row by row in id order: a failing row counts an attempt
 * and holds back the later rows of its key; a row that failed `maxAttempts` times, or whose error is
 * not retryable, is published to the namespace's dead-letter stream and marked dead.
 */
async function publishRows(options: Resolved, rows: readonly OutboxRow[], result: { sent: number; failed: number; dead: number }): Promise<OutboxBatchOutcome> {
  const byStream = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    let list = byStream.get(row.stream);
    if (list === undefined) byStream.set(row.stream, (list = []));
    list.push(row);
  }
  const sent: string[] = [];
  const failed: Array<{ id: string; error: string; dead: boolean }> = [];
  await Promise.all(
    [...byStream].map(async ([stream, list]) => {
      const topic = options.client.streams(stream);
      try {
        await topic.publishBatch(list.map(messageOf));
        for (const row of list) sent.push(row.id);
        return;
      } catch {
        // Fall through: find the row that fails, keep the others moving.
      }
      const held = new Set<string>();
      for (const row of list) {
        const orderKey = row.key ?? undefined;
        if (orderKey !== undefined && held.has(orderKey)) continue;
        try {
          await topic.publishBatch([messageOf(row)]);
          sent.push(row.id);
        } catch (error) {
          if (orderKey !== undefined) held.add(orderKey);
          const retryable = !isStorageError(error) || error.retryable;
          const give = !retryable || row.attempts + 1 >= options.maxAttempts;
          let dead = false;
          if (give) {
            try {
              await topic.deadLetters().publishBatch([
                {
                  payload: deadPayloadOf(row),
                  ...(row.key === undefined ? {} : { key: row.key }),
                  headers: { ...headersOf(row), [DEAD_LETTER.errorHeader]: describe(error), [DEAD_LETTER.attemptsHeader]: String(row.attempts + 1), [DEAD_LETTER.originalIdHeader]: row.id },
                },
              ]);
              dead = true;
            } catch (deadLetterError) {
              options.onError(deadLetterError);
            }
          }
          failed.push({ id: row.id, error: describe(error), dead });
        }
      }
    }),
  );
  result.sent += sent.length;
  result.failed += failed.filter((f) => !f.dead).length;
  result.dead += failed.filter((f) => f.dead).length;
  return { sent, failed };
}

async function once(options: Resolved, signal?: AbortSignal): Promise<OutboxRelayResult> {
  const result = { sent: 0, failed: 0, dead: 0 };
  const claimed = await options.client
    .outbox(options.adapter)
    .relayBatch({ limit: options.batchSize, ...(signal === undefined ? {} : { signal }) }, (rows) => publishRows(options, rows, result));
  return { claimed, ...result };
}

/** Relays one batch of the outbox and returns what it did (for tests, cron jobs and custom loops). */
export async function relayOutboxOnce(options: OutboxRelayOptions): Promise<OutboxRelayResult> {
  return once(resolve(options));
}

/** Commit wake-ups: a counter (so a wake-up during a batch is not missed) and the pause it ends. */
class Wake {
  count = 0;
  #ring: (() => void) | undefined;

  ring(): void {
    this.count += 1;
    this.#ring?.();
  }

  /** Waits `ms`, or less when rung or aborted. */
  pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((done) => {
      if (signal.aborted) return done();
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        this.#ring = undefined;
        done();
      };
      const timer = setTimeout(finish, ms);
      this.#ring = finish;
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}

async function loop(options: Resolved, signal: AbortSignal): Promise<void> {
  const outbox = options.client.outbox(options.adapter);
  const wakes = options.wakeOnCommit && outbox.canWatch;
  const idleMs = options.idleMs ?? (wakes ? 250 : 20);
  const wake = new Wake();
  let watch: OutboxWatch | undefined;
  let failures = 0;
  let nextHousekeeping = 0;
  try {
    while (!signal.aborted) {
      try {
        // Listening first: a commit between the listen and the next claim is then never slept through.
        if (wakes && watch === undefined) watch = await outbox.watch(() => wake.ring());
        const now = Date.now();
        if (now >= nextHousekeeping) {
          nextHousekeeping = now + options.housekeepingMs;
          if (options.retentionMs > 0) {
            const sentBefore = new Date(now - options.retentionMs);
            while ((await outbox.purgeSent({ sentBefore, limit: 1000 })) === 1000 && !signal.aborted);
          }
          await outbox.stats();
        }
        const rung = wake.count;
        const done = await once(options, signal);
        failures = 0;
        if (done.claimed > 0) options.onBatch?.(done);
        // A full batch (or one cut short by a per-key fence) means there is likely more: go on at once;
        // so does a commit that woke us while the batch ran.
        if ((done.claimed === 0 || done.claimed < options.batchSize / 2) && wake.count === rung) await wake.pause(idleMs, signal);
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        options.onError(error);
        await wake.pause(Math.min(5_000, idleMs * 2 ** Math.min(failures, 10)), signal);
      }
    }
  } finally {
    await watch?.close().catch(options.onError);
  }
}

/**
 * Runs a relay until `signal` aborts: claims pending rows (several relays may run at once), publishes
 * them through the client's stream namespaces with the outbox id as `idempotency-key` (so the
 * resilience layer may retry them and `idempotentHandler` dedupes them), marks them sent, dead-letters
 * poison rows, purges sent rows after `retentionMs`, and keeps `storage_outbox_pending` /
 * `storage_outbox_lag_seconds` current. Resolves once the loop stopped. For a CLI command.
 */
export async function runOutboxRelay(options: OutboxRelayOptions & { readonly signal: AbortSignal }): Promise<void> {
  const resolved = resolve(options);
  if (!(options.signal instanceof AbortSignal)) {
    throw new StorageError('INVALID_ARGUMENT', 'options.signal must be an AbortSignal (abort it to stop the relay)', { operation: 'outbox.relay', details: { field: 'signal' } });
  }
  resolved.client.outbox(resolved.adapter); // fails now, not in the loop, when the adapter has no outbox
  await loop(resolved, options.signal);
}

/** A relay running in this process; see {@link startOutboxRelay}. */
export interface OutboxRelay {
  /** Stops the relay after the batch in progress; idempotent. Call before `client.close()`. */
  close(): Promise<void>;
}

/** Starts {@link runOutboxRelay} in the background of this process (the in-process option). */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const resolved = resolve(options);
  resolved.client.outbox(resolved.adapter);
  const controller = new AbortController();
  const running = loop(resolved, controller.signal);
  return {
    close() {
      controller.abort();
      return running;
    },
  };
}
