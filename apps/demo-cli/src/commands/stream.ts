import type { JsonValue, StartPosition } from '@sanctum/storage-core';
import { callSignal, withClient, type CommandContext, type CommandResult } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { namespaceOf } from '../runtime.js';
import { printJson } from '../ui/output.js';
import { valueOf } from './records.js';

function headersOf(pairs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--header ${pair}: expected NAME=VALUE`, EXIT.USAGE);
    headers[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return headers;
}

/** `stream publish NS VALUE`: one JSON message; prints its id. */
export async function streamPublish(ctx: CommandContext, namespace: string, arg: string | undefined, flags: { file?: string; key?: string; header?: string[] }): Promise<CommandResult> {
  const payload = await valueOf(arg, flags.file);
  const headers = headersOf(flags.header ?? []);
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'stream');
    const { id } = await client.streams(namespace).publish(payload, { signal: callSignal(ctx), headers, ...(flags.key === undefined ? {} : { key: flags.key }) });
    ctx.out.line(`published ${namespace}: ${id}`);
    return { code: EXIT.OK, json: { namespace, id } };
  });
}

/** Options of `stream tail`. */
export interface TailFlags {
  readonly group?: string;
  readonly from: 'earliest' | 'latest';
  readonly count?: number;
  readonly forMs?: number;
}

/**
 * `stream tail NS`: consumes in a consumer group (acking each message once printed) until `--count`
 * messages, `--for-ms`, or Ctrl-C. With `--json` each message is one JSON line (NDJSON) and a final
 * `{"summary":…}` line follows.
 */
export async function streamTail(ctx: CommandContext, namespace: string, flags: TailFlags): Promise<CommandResult> {
  const group = flags.group ?? `sanctum-cli-tail-${process.pid}-${Date.now()}`;
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'stream');
    let received = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const onInterrupt = () => finish();
    ctx.interrupt.addEventListener('abort', onInterrupt, { once: true });
    const timer = flags.forMs === undefined ? undefined : setTimeout(finish, flags.forMs);
    const from: StartPosition = flags.from;
    const subscription = await client.streams<JsonValue>(namespace).subscribe(
      group,
      async (message) => {
        if (flags.count !== undefined && received >= flags.count) throw new Error('tail: count reached; left for the group');
        received++;
        const doc = { id: message.id, key: message.key ?? null, payload: message.payload, headers: message.headers, publishedAt: message.publishedAt.toISOString(), deliveryCount: message.deliveryCount };
        if (ctx.out.json) printJson(doc);
        else ctx.out.line(`${ctx.out.paint('dim', message.id)} ${message.key === undefined ? '' : `${ctx.out.paint('cyan', message.key)} `}${JSON.stringify(message.payload)}`);
        if (flags.count !== undefined && received >= flags.count) finish();
      },
      { from, maxInFlight: 1 },
    );
    try {
      await finished;
    } finally {
      clearTimeout(timer);
      ctx.interrupt.removeEventListener('abort', onInterrupt);
      await subscription.close();
    }
    return { code: EXIT.OK, json: { summary: { namespace, group, received } } };
  });
}

export { callSignal };
