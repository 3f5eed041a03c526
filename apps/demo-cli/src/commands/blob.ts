import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createS3BlobStore, type ResumableUpload, type ResumableUploadState, type S3BlobStoreOptions } from '@sanctum/storage-s3';
import { callSignal, requireConfig, withClient, type CommandContext, type CommandResult } from '../context.js';
import { readJsonFile, type LoadedConfig } from '../config/load.js';
import { CliError, EXIT } from '../exit-codes.js';
import { namespaceOf } from '../runtime.js';
import { createProgress, humanBytes, type Progress } from '../ui/progress.js';

/** Options of `blob put`. */
export interface BlobPutFlags {
  readonly resume?: boolean;
  readonly state?: string;
  readonly contentType?: string;
}

/** Counts bytes flowing through, for the progress bar. */
function counter(start: number, progress: Progress): Transform {
  let bytes = start;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      progress.update(bytes);
      done(null, chunk);
    },
  });
}

async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliError(`${file} is not a regular file`, EXIT.USAGE);
    return info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`, EXIT.USAGE);
  }
}

/** The s3 adapter options behind a namespace, when its adapter is s3 (resumable uploads). */
function s3OptionsOf(config: LoadedConfig, namespace: string): S3BlobStoreOptions | undefined {
  const ns = namespaceOf(config, namespace, 'blob');
  if (ns.adapter === undefined) return undefined;
  const adapter = config.input.adapters?.[ns.adapter];
  return adapter?.use === 's3' ? (adapter.options as S3BlobStoreOptions) : undefined;
}

/** Persists the upload state atomically (temp file + rename): a kill never leaves half a state file. */
function stateWriter(path: string): (state: ResumableUploadState) => Promise<void> {
  let chain = Promise.resolve();
  return (state) => {
    chain = chain.then(async () => {
      await writeFile(`${path}.tmp`, JSON.stringify(state));
      await rename(`${path}.tmp`, path);
    });
    return chain;
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A resumable multipart upload through the s3 adapter; its state file lets `--resume` continue it. */
async function resumablePut(ctx: CommandContext, options: S3BlobStoreOptions, namespace: string, key: string, file: string, size: number, flags: BlobPutFlags): Promise<CommandResult> {
  const statePath = flags.state ?? `${file}.upload.json`;
  const save = stateWriter(statePath);
  const store = createS3BlobStore(options);
  await store.open?.();
  try {
    let upload: ResumableUpload;
    if (flags.resume === true) {
      if (!(await exists(statePath))) throw new CliError(`no upload to resume: ${statePath} does not exist (start one without --resume)`, EXIT.NOT_FOUND, 'NOT_FOUND');
      const state = (await readJsonFile(statePath, EXIT.USAGE)) as ResumableUploadState;
      if (state.namespace !== namespace || state.key !== key) {
        throw new CliError(`${statePath} is the upload of ${state.namespace}/${state.key}, not ${namespace}/${key}`, EXIT.USAGE);
      }
      if (state.bytes > size) throw new CliError(`${file} is shorter (${size} bytes) than the ${state.bytes} bytes already uploaded: not the same file`, EXIT.USAGE);
      // The file's uploaded prefix is hashed again here (each part checked against its MD5), so
      // completing needs no read-back of the whole object from the server.
      const prefix = Number.isSafeInteger(state.bytes) && state.bytes > 0 ? createReadStream(file, { start: 0, end: state.bytes - 1, highWaterMark: 1 << 20 }) : undefined;
      upload = await store.resumeUpload(state, { signal: ctx.interrupt, onProgress: save, ...(prefix === undefined ? {} : { prefix }) });
    } else {
      if (await exists(statePath)) {
        throw new CliError(`an interrupted upload exists (${statePath}): continue it with --resume, or delete that file to start over`, EXIT.USAGE);
      }
      upload = await store.createUpload({ namespace, key, signal: ctx.interrupt, onProgress: save, ...(flags.contentType === undefined ? {} : { contentType: flags.contentType }) });
      await save(upload.state);
    }
    const start = upload.state.bytes;
    if (start > 0) ctx.out.note(`resuming ${namespace}/${key} at ${humanBytes(start)} of ${humanBytes(size)}`);
    const progress = createProgress('put', size, start);
    try {
      let sent = start;
      for await (const chunk of createReadStream(file, { start, highWaterMark: 1 << 20 })) {
        await upload.write(chunk as Buffer);
        sent += (chunk as Buffer).length;
        progress.update(sent);
      }
    } finally {
      progress.stop();
    }
    const result = await upload.complete();
    await save(upload.state);
    await rm(statePath, { force: true });
    ctx.out.line(`put ${namespace}/${key}: ${humanBytes(result.size)}, etag ${result.etag}${start > 0 ? ` (resumed at ${humanBytes(start)})` : ''}`);
    return { code: EXIT.OK, json: { namespace, key, size: result.size, etag: result.etag, version: result.version, resumedAt: start } };
  } catch (error) {
    if (ctx.interrupt.aborted) {
      throw new CliError(`interrupted; the upload state is in ${statePath}: continue with --resume`, EXIT.INTERRUPTED, 'INTERRUPTED');
    }
    throw error;
  } finally {
    await store.close?.();
  }
}

/** `blob put NS KEY FILE`: streams a file; resumable (`--resume`) when the namespace's adapter is s3. */
export async function blobPut(ctx: CommandContext, namespace: string, key: string, file: string, flags: BlobPutFlags): Promise<CommandResult> {
  const config = await requireConfig(ctx);
  const size = await fileSize(file);
  const s3 = s3OptionsOf(config, namespace);
  if (s3 !== undefined) return resumablePut(ctx, s3, namespace, key, file, size, flags);
  if (flags.resume === true) throw new CliError(`--resume needs a namespace on the s3 adapter; "${namespace}" is not`, EXIT.USAGE);
  return withClient(ctx, async (client) => {
    const progress = createProgress('put', size);
    try {
      const body = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(counter(0, progress));
      const result = await client.blobs(namespace).put(key, body, { contentLength: size, signal: ctx.interrupt, ...(flags.contentType === undefined ? {} : { contentType: flags.contentType }) });
      progress.stop();
      ctx.out.line(`put ${namespace}/${key}: ${humanBytes(result.size)}, etag ${result.etag}`);
      return { code: EXIT.OK, json: { namespace, key, size: result.size, etag: result.etag, version: result.version, resumedAt: 0 } };
    } finally {
      progress.stop();
    }
  });
}

/** `blob get NS KEY [OUT]`: streams the object to OUT (`-` = stdout) via a temp file, verified. */
export async function blobGet(ctx: CommandContext, namespace: string, key: string, output: string | undefined): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'blob');
    const download = await client.blobs(namespace).get(key, { signal: ctx.interrupt });
    const progress = createProgress('get', download.meta.size);
    const target = output ?? basename(key);
    try {
      if (target === '-') {
        if (ctx.out.json) throw new CliError('blob get to stdout (-) cannot be combined with --json', EXIT.USAGE);
        await pipeline(download.body, counter(0, progress), process.stdout, { end: false });
      } else {
        const partial = `${target}.partial`;
        try {
          await pipeline(download.body, counter(0, progress), createWriteStream(partial));
          await rename(partial, target);
        } catch (error) {
          await rm(partial, { force: true });
          throw error;
        }
      }
    } finally {
      progress.stop();
    }
    const meta = download.meta;
    if (target !== '-') ctx.out.line(`got ${namespace}/${key} -> ${target}: ${humanBytes(meta.size)}, etag ${meta.etag}`);
    return { code: EXIT.OK, json: { namespace, key, file: target, size: meta.size, etag: meta.etag, sha256: meta.metadata['sanctum-sha256'] ?? null } };
  });
}

/** `blob ls NS`: one page of objects (and common prefixes with `--delimiter`). */
export async function blobList(ctx: CommandContext, namespace: string, flags: { prefix?: string; limit?: number; cursor?: string; delimiter?: string }): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'blob');
    const page = await client.blobs(namespace).list({ signal: callSignal(ctx), ...flags });
    for (const p of page.prefixes) ctx.out.line(`${'PRE'.padStart(10)}  ${p}`);
    for (const item of page.items) ctx.out.line(`${String(item.size).padStart(10)}  ${item.lastModified.toISOString()}  ${item.key}`);
    if (page.cursor !== undefined) ctx.out.line(ctx.out.paint('dim', `more: --cursor ${page.cursor}`));
    return {
      code: EXIT.OK,
      json: { items: page.items.map((i) => ({ key: i.key, size: i.size, etag: i.etag, lastModified: i.lastModified.toISOString(), contentType: i.contentType ?? null })), prefixes: page.prefixes, cursor: page.cursor ?? null },
    };
  });
}

/** `blob rm NS KEY`: exit 4 when there was nothing to delete. */
export async function blobRemove(ctx: CommandContext, namespace: string, key: string): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'blob');
    const deleted = await client.blobs(namespace).delete(key, { signal: callSignal(ctx) });
    ctx.out.line(deleted ? `deleted ${namespace}/${key}` : `not found: ${namespace}/${key}`);
    return { code: deleted ? EXIT.OK : EXIT.NOT_FOUND, json: { namespace, key, deleted } };
  });
}

/** `blob presign NS KEY`: a time-limited URL (GET or PUT). */
export async function blobPresign(ctx: CommandContext, namespace: string, key: string, flags: { method: 'GET' | 'PUT'; expires: number }): Promise<CommandResult> {
  return withClient(ctx, async (client, config) => {
    namespaceOf(config, namespace, 'blob');
    const url = await client.blobs(namespace).presign(key, { method: flags.method, expiresInSeconds: flags.expires });
    ctx.out.line(url);
    return { code: EXIT.OK, json: { namespace, key, method: flags.method, expiresInSeconds: flags.expires, url } };
  });
}
