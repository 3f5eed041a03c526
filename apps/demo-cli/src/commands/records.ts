import { readFile } from 'node:fs/promises';
import type { JsonValue } from '@sanctum/storage-core';
import { callSignal, withClient, type CommandContext, type CommandResult } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { namespaceOf } from '../runtime.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The value to write: the JSON argument, `--file FILE`, or stdin when the argument is `-`. */
async function valueOf(arg: string | undefined, file: string | undefined): Promise<JsonValue> {
  if ((arg === undefined) === (file === undefined)) throw new CliError('give the value as a JSON argument, as - (stdin), or with --file FILE (exactly one)', EXIT.USAGE);
  let text: string;
  let origin: string;
  if (file !== undefined) {
    text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, EXIT.USAGE);
    });
    origin = file;
  } else if (arg === '-') {
    text = await readStdin();
    origin = 'stdin';
  } else {
    text = arg!;
    origin = 'the VALUE argument';
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CliError(`${origin} is not valid JSON: ${(error as Error).message} (quote strings: '"text"')`, EXIT.USAGE);
  }
}

/** `records get NS KEY`: the value with its version and etag. */
export async function recordsGet(ctx: CommandContext, namespace: string, key: string, flags: { consistency?: 'strong' | 'eventual' }): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'record');
    const record = await client.records(namespace).get(key, { signal: callSignal(ctx), ...(flags.consistency === undefined ? {} : { consistency: flags.consistency }) });
    ctx.out.line(JSON.stringify(record.value, null, 2));
    ctx.out.line(ctx.out.paint('dim', `version ${record.version}, etag ${record.etag}`));
    return { code: EXIT.OK, json: { namespace, key: record.key, value: record.value, version: record.version, etag: record.etag } };
  });
}

/** `records put NS KEY VALUE`: `--if-match ETAG` / `--create` for conditional writes (exit 5 on conflict). */
export async function recordsPut(ctx: CommandContext, namespace: string, key: string, arg: string | undefined, flags: { file?: string; ifMatch?: string; create?: boolean }): Promise<CommandResult> {
  const value = await valueOf(arg, flags.file);
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'record');
    const result = await client.records(namespace).put(key, value, {
      signal: callSignal(ctx),
      ...(flags.ifMatch === undefined ? {} : { ifMatch: flags.ifMatch }),
      ...(flags.create === true ? { ifNoneMatch: '*' as const } : {}),
    });
    ctx.out.line(`put ${namespace}/${key}: version ${result.version}, etag ${result.etag}`);
    return { code: EXIT.OK, json: { namespace, key, version: result.version, etag: result.etag } };
  });
}

/** `records ls NS`: one page of records. */
export async function recordsList(ctx: CommandContext, namespace: string, flags: { prefix?: string; limit?: number; cursor?: string }): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'record');
    const page = await client.records(namespace).list({ signal: callSignal(ctx), ...flags });
    for (const r of page.items) ctx.out.line(`${r.key}  ${ctx.out.paint('dim', `v${r.version}`)}  ${JSON.stringify(r.value)}`);
    if (page.cursor !== undefined) ctx.out.line(ctx.out.paint('dim', `more: --cursor ${page.cursor}`));
    return { code: EXIT.OK, json: { items: page.items.map((r) => ({ key: r.key, value: r.value, version: r.version, etag: r.etag })), cursor: page.cursor ?? null } };
  });
}

/** `records rm NS KEY`: exit 4 when absent, 5 when `--if-match` is stale. */
export async function recordsRemove(ctx: CommandContext, namespace: string, key: string, flags: { ifMatch?: string }): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'record');
    const deleted = await client.records(namespace).delete(key, { signal: callSignal(ctx), ...(flags.ifMatch === undefined ? {} : { ifMatch: flags.ifMatch }) });
    ctx.out.line(deleted ? `deleted ${namespace}/${key}` : `not found: ${namespace}/${key}`);
    return { code: deleted ? EXIT.OK : EXIT.NOT_FOUND, json: { namespace, key, deleted } };
  });
}

export { valueOf };
