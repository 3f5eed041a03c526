import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli as run, json, type Run } from '../support/run.js';
import { RIG_CONFIG, RIG_ENV, RUN } from '../support/rig.js';

const cli = (...args: string[]): Promise<Run> => run(['--config', RIG_CONFIG, ...args], { env: RIG_ENV, cwd: dir });

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sanctum-cli-it-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sanctum-storage on the rig (PostgreSQL, Ceph RGW, Redis, Kafka mock)', () => {
  it('health reports every adapter up', async () => {
    const r = await cli('--json', 'health');
    expect(r.code).toBe(0);
    const doc = json(r) as { ok: boolean; adapters: Record<string, { ok: boolean }> };
    expect(doc.ok).toBe(true);
    expect(Object.keys(doc.adapters).sort()).toEqual(['blob:s3', 'cache:hot', 'record:pg', 'stream:kafka', 'stream:redis']);
  });

  it('migrate up, status and plan', async () => {
    const up = await cli('--json', 'migrate', 'up');
    expect(up.code).toBe(0);
    const status = await cli('--json', 'migrate', 'status');
    expect(status.code).toBe(0);
    const doc = json(status) as { current: boolean; adapters: { pg: { applied: Array<{ id: number }>; pending: unknown[] } } };
    expect(doc.current).toBe(true);
    expect(doc.adapters.pg.applied.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(doc.adapters.pg.pending).toEqual([]);
    const plan = await cli('--json', 'migrate', 'plan');
    expect(plan.code).toBe(0);
    expect(json(plan)).toMatchObject({ dryRun: true, adapters: { pg: { migrations: [] } } });
    const unknown = await cli('--json', 'migrate', 'status', '--adapter', 'nope');
    expect(unknown.code).toBe(2);
  });

  it('records: put, conditional put (5 on conflict), get, ls, rm, get (4)', async () => {
    const key = `${RUN}/u1`;
    const put = await cli('--json', 'records', 'put', 'users', key, '{"name":"Ada"}', '--create');
    expect(put.code).toBe(0);
    const { etag } = json(put) as { etag: string };
    expect((await cli('records', 'put', 'users', key, '{"name":"Eve"}', '--create')).code).toBe(5);
    const second = await cli('--json', 'records', 'put', 'users', key, '{"name":"Ada L."}', '--if-match', etag);
    expect(json(second)).toMatchObject({ version: 2 });
    expect((await cli('records', 'put', 'users', key, '{"name":"stale"}', '--if-match', etag)).code).toBe(5);
    expect(json(await cli('--json', 'records', 'get', 'users', key))).toMatchObject({ value: { name: 'Ada L.' }, version: 2 });
    const ls = json(await cli('--json', 'records', 'ls', 'users', '--prefix', `${RUN}/`)) as { items: Array<{ key: string }> };
    expect(ls.items.map((i) => i.key)).toEqual([key]);
    expect(json(await cli('--json', 'records', 'rm', 'users', key))).toMatchObject({ deleted: true });
    expect((await cli('records', 'get', 'users', key)).code).toBe(4);
  }, 150_000);

  it('blob: put, get (same SHA-256), ls, presign (the URL serves the bytes), rm', async () => {
    const src = join(dir, 'small.bin');
    await writeFile(src, randomBytes(3 << 20));
    const key = `${RUN}/small.bin`;
    expect((await cli('--json', 'blob', 'put', 'media', key, src)).code).toBe(0);
    const get = await cli('--json', 'blob', 'get', 'media', key, join(dir, 'small.out'));
    expect(get.code).toBe(0);
    expect((json(get) as { sha256: string }).sha256).toBe(await sha256(src));
    expect(await sha256(join(dir, 'small.out'))).toBe(await sha256(src));
    const ls = json(await cli('--json', 'blob', 'ls', 'media', '--prefix', `${RUN}/`)) as { items: Array<{ key: string; size: number }> };
    expect(ls.items).toEqual([expect.objectContaining({ key, size: 3 << 20 })]);
    const { url } = json(await cli('--json', 'blob', 'presign', 'media', key, '--expires', '60')) as { url: string };
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex')).toBe(await sha256(src));
    expect(json(await cli('--json', 'blob', 'rm', 'media', key))).toMatchObject({ deleted: true });
    expect((await cli('blob', 'get', 'media', key, join(dir, 'gone.out'))).code).toBe(4);
  }, 150_000);

  it('stream: publish on Redis Streams, tail prints it as NDJSON', async () => {
    const tail = cli('--json', 'stream', 'tail', 'events', '--from', 'earliest', '--group', `${RUN}-g`, '--count', '1', '--for-ms', '40000');
    const published = await cli('--json', 'stream', 'publish', 'events', JSON.stringify({ run: RUN }), '--key', 'k1', '--header', 'origin=test');
    expect(published.code).toBe(0);
    const r = await tail;
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // A new group from "earliest" sees older messages too: find ours.
    expect(lines.at(-1)).toMatchObject({ summary: { namespace: 'events', received: 1 } });
  });

  it('demo --config runs the tour on Postgres, RGW, Redis and Kafka', async () => {
    const r = await cli('demo');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('on the adapters of');
    expect(r.stdout).toMatch(/users\s+adapter "pg" \(postgres\)/);
    expect(r.stdout).toMatch(/invoices\s+adapter "kafka" \(kafka\)/);
    expect(r.stdout).toContain('checksum verified on read (matches a local SHA-256)');
    expect(r.stdout).toContain('3 of 3 acked');
    expect(r.stdout).toMatch(/health\s+ok \(/);
  }, 120_000);

  it('blob put killed mid-way resumes with --resume to the same SHA-256', async () => {
    const src = join(dir, 'resume.bin');
    await writeFile(src, randomBytes(64 << 20));
    const key = `${RUN}/resume.bin`;
    const statePath = `${src}.upload.json`;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...RIG_ENV })) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [BIN, '--config', RIG_CONFIG, 'blob', 'put', 'media', key, src], { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Kill once the state file records at least one durable part (8 MiB parts in the adapter).
    const deadline = Date.now() + 60_000;
    let bytes = 0;
    while (Date.now() < deadline) {
      const state = await readFile(statePath, 'utf8').then((t) => JSON.parse(t) as { bytes: number }, () => undefined);
      bytes = state?.bytes ?? 0;
      if (bytes > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe(null);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(64 << 20);
    // Without --resume the CLI refuses to start over silently.
    const again = await cli('blob', 'put', 'media', key, src);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('continue it with --resume');
    // A file whose uploaded prefix changed is refused (its parts' MD5s no longer match), nothing is
    // published and the upload stays resumable with the original bytes.
    const original = await readFile(src);
    await writeFile(src, Buffer.concat([Buffer.from([original[0]! ^ 0xff]), original.subarray(1)]));
    const changed = await cli('blob', 'put', 'media', key, src, '--resume');
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain('part 1 of the upload differs');
    expect((await cli('--json', 'blob', 'ls', 'media', '--prefix', key)).stdout).not.toContain('resume.bin');
    await stat(statePath);
    await writeFile(src, original);
    const resumed = await cli('--json', 'blob', 'put', 'media', key, src, '--resume');
    expect(resumed.code).toBe(0);
    const doc = json(resumed) as { size: number; resumedAt: number };
    expect(doc.size).toBe(64 << 20);
    expect(doc.resumedAt).toBeGreaterThan(0);
    await expect(stat(statePath)).rejects.toThrow();
    const out = join(dir, 'resume.out');
    const get = await cli('--json', 'blob', 'get', 'media', key, out);
    expect(get.code).toBe(0);
    expect(await sha256(out)).toBe(await sha256(src));
    expect((json(get) as { sha256: string }).sha256).toBe(await sha256(src));
    await cli('blob', 'rm', 'media', key);
  }, 180_000);
});
