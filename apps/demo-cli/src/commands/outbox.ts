import { relayOutboxOnce, runOutboxRelay, type OutboxRelayResult, type StorageClient } from '@sanctum/storage-core';
import { withClient, type CommandContext, type CommandResult } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { LoadedConfig } from '../config/load.js';
import { printJson } from '../ui/output.js';

/** Options of `outbox relay`. */
export interface RelayFlags {
  readonly adapter?: string[];
  readonly once?: boolean;
  readonly batchSize?: number;
  readonly idleMs?: number;
  readonly maxAttempts?: number;
  readonly retentionMs?: number;
}

interface Totals {
  batches: number;
  claimed: number;
  sent: number;
  failed: number;
  dead: number;
}

const zero = (): Totals => ({ batches: 0, claimed: 0, sent: 0, failed: 0, dead: 0 });

function add(totals: Totals, result: OutboxRelayResult): void {
  totals.batches += 1;
  totals.claimed += result.claimed;
  totals.sent += result.sent;
  totals.failed += result.failed;
  totals.dead += result.dead;
}

/** The config's record adapters whose outbox to relay: `--adapter` ones, else every postgres one. */
function adaptersOf(config: LoadedConfig, wanted: readonly string[] | undefined): string[] {
  const adapters = config.parsed.adapters as Readonly<Record<string, { use: string }>>;
  const outboxes = Object.entries(adapters)
    .filter(([, a]) => a.use === 'postgres')
    .map(([name]) => name);
  if (wanted === undefined || wanted.length === 0) {
    if (outboxes.length === 0) throw new CliError(`${config.file} has no record adapter with an outbox (use: "postgres")`, EXIT.USAGE);
    return outboxes;
  }
  for (const name of wanted) {
    if (!outboxes.includes(name)) {
      throw new CliError(`--adapter ${name}: not a record adapter with an outbox in ${config.file} (those: ${outboxes.length > 0 ? outboxes.join(', ') : 'none'})`, EXIT.USAGE);
    }
  }
  return [...new Set(wanted)];
}

/** One status line on a terminal, redrawn in place; nothing elsewhere (pipes and logs stay clean). */
function statusLine(stream: NodeJS.WriteStream, enabled: boolean): { show(text: string): void; end(): void } {
  if (!enabled || stream.isTTY !== true) return { show() {}, end() {} };
  let shown = false;
  return {
    show(text) {
      stream.write(`\r\u001b[K${text.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
      shown = true;
    },
    end() {
      if (shown) stream.write('\n');
    },
  };
}

async function pendingOf(client: StorageClient, adapters: readonly string[]): Promise<{ pending: number; lagSeconds: number }> {
  let pending = 0;
  let oldest: number | undefined;
  for (const adapter of adapters) {
    const stats = await client.outbox(adapter).stats();
    pending += stats.pending;
    const at = stats.oldestPendingAt?.getTime();
    if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
  }
  return { pending, lagSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
}

/** `--once`: relays each adapter's outbox until a batch finds nothing it can send. */
async function drain(ctx: CommandContext, client: StorageClient, adapters: readonly string[], flags: RelayFlags, totals: Map<string, Totals>): Promise<void> {
  for (const adapter of adapters) {
    for (;;) {
      if (ctx.interrupt.aborted) return;
      const result = await relayOutboxOnce({ client, adapter, ...options(flags) });
      if (result.claimed === 0) break;
      add(totals.get(adapter)!, result);
      if (ctx.out.json) printJson({ batch: { adapter, ...result } });
      // Rows that failed stay pending for a later run; stop when a batch moved nothing.
      if (result.sent + result.dead === 0) break;
    }
  }
}

function options(flags: RelayFlags) {
  return {
    ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
    ...(flags.idleMs === undefined ? {} : { idleMs: flags.idleMs }),
    ...(flags.maxAttempts === undefined ? {} : { maxAttempts: flags.maxAttempts }),
    ...(flags.retentionMs === undefined ? {} : { retentionMs: flags.retentionMs }),
  };
}

/**
 * `outbox relay`: delivers the transactional outbox of the config's postgres adapters to their stream
 * namespaces until SIGINT/SIGTERM (the batch in hand is finished and marked, then exit 0), or with
 * `--once` until nothing is left to send. A terminal shows sent, pending and lag; `--json` prints one
 * line per batch and a summary line.
 */
export async function outboxRelay(ctx: CommandContext, flags: RelayFlags): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    const adapters = adaptersOf(config, flags.adapter);
    const totals = new Map(adapters.map((adapter) => [adapter, zero()]));
    const status = statusLine(process.stderr, !ctx.out.json);
    const started = performance.now();
    const errors: string[] = [];
    let refreshing = false;
    const refresh = async () => {
      if (refreshing) return;
      refreshing = true;
      try {
        const { pending, lagSeconds } = await pendingOf(client, adapters);
        const sent = [...totals.values()].reduce((n, t) => n + t.sent, 0);
        const rate = sent / Math.max(0.001, (performance.now() - started) / 1000);
        status.show(`outbox ${adapters.join(',')}: sent ${String(sent)} (${rate.toFixed(0)} msg/s)  pending ${String(pending)}  lag ${lagSeconds.toFixed(1)} s`);
      } catch {
        // The next refresh tries again; the relay reports its own errors.
      } finally {
        refreshing = false;
      }
    };
    const ticker = process.stderr.isTTY === true && !ctx.out.json ? setInterval(() => void refresh(), 250) : undefined;
    try {
      if (flags.once === true) {
        await drain(ctx, client, adapters, flags, totals);
      } else {
        await Promise.all(
          adapters.map((adapter) =>
            runOutboxRelay({
              client,
              adapter,
              signal: ctx.interrupt,
              ...options(flags),
              onBatch: (result) => {
                add(totals.get(adapter)!, result);
                if (ctx.out.json) printJson({ batch: { adapter, ...result } });
              },
              onError: (error) => {
                const text = error instanceof Error ? error.message : String(error);
                errors.push(text);
                if (ctx.out.json) printJson({ error: { adapter, message: text } });
                else ctx.out.note(`outbox ${adapter}: ${text} (retrying)`);
              },
            }),
          ),
        );
      }
    } finally {
      clearInterval(ticker);
      if (ticker !== undefined) await refresh();
      status.end();
    }
    const { pending, lagSeconds } = await pendingOf(client, adapters);
    const sum = [...totals.values()].reduce((a, t) => ({ batches: a.batches + t.batches, claimed: a.claimed + t.claimed, sent: a.sent + t.sent, failed: a.failed + t.failed, dead: a.dead + t.dead }), zero());
    const seconds = (performance.now() - started) / 1000;
    // --once: rows that failed (and are not dead) are still to be sent: say so with the exit code.
    const interrupted = flags.once === true && ctx.interrupt.aborted;
    const code = interrupted ? EXIT.INTERRUPTED : flags.once === true && sum.failed > 0 ? EXIT.FAILED : EXIT.OK;
    ctx.out.line(
      `outbox relay ${flags.once === true && !interrupted ? 'drained' : 'stopped'}: ${String(sum.sent)} sent, ${String(sum.failed)} failed, ${String(sum.dead)} dead-lettered in ${String(sum.batches)} batches (${seconds.toFixed(1)} s); ${String(pending)} pending, lag ${lagSeconds.toFixed(1)} s`,
    );
    const summary = { adapters: Object.fromEntries(totals), ...sum, pending, lagSeconds, seconds, stoppedBy: flags.once === true && !interrupted ? 'drained' : 'signal' };
    return { code, json: { summary } };
  });
}
