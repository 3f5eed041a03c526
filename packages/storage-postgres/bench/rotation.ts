/**
 * Issue 14's record rotation: `rotateKeys` over N encrypted records on PostgreSQL with `spliceValue`
 * (only the new header is sent) vs the fallback every adapter without the `splice` capability gets
 * (a conditional put of the whole value): the same adapter with `spliceValue` hidden. Interleaved
 * rounds in alternating order, each on freshly written records; the ratio is the median of the
 * per-round ratios splice / put (time). Bytes written to the PostgreSQL socket are counted too.
 * Run under the bench lock: node --conditions=@sanctum/source --import tsx bench/rotation.ts
 * Knobs: BENCH_ROUNDS (5), BENCH_RECORDS (5000).
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { createStorageClient, localKeyring, type StorageClient } from '@sanctum/storage-core';
import type { AdapterFactory, RecordStore } from '@sanctum/storage-core/spi';
import { resolveService } from '@sanctum/test-services';
import postgresJs from 'postgres';
import { migrateUp, postgresRecords } from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 5000);
const value = { note: 'x'.repeat(200), n: 0 };
type Side = 'splice' | 'put';

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The PostgreSQL adapter without `spliceValue`: what rotation does on adapters that lack it. */
function withoutSplice(): AdapterFactory {
  const base = postgresRecords() as unknown as AdapterFactory<RecordStore>;
  return {
    ...base,
    name: 'postgres-put',
    create: (options, context) => {
      const store = base.create(options, context) as RecordStore;
      return new Proxy(store, {
        get(target, name) {
          if (name === 'spliceValue') return undefined;
          if (name === 'capabilities') return { ...target.capabilities, splice: false };
          const member: unknown = Reflect.get(target, name, target);
          return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
        },
      });
    },
  } as AdapterFactory;
}

const { url } = await resolveService('postgres');
const port = Number(new URL(url).port || 5432);
const schema = `sanctum_bench_rot_${String(process.pid)}`;
await migrateUp({ url, schema });
const keys = localKeyring({ keys: { k1: randomBytes(32), k2: randomBytes(32) } });
const namespaces: Record<string, unknown> = {};
const open = (keyId: string): StorageClient => {
  for (let round = 0; round < ROUNDS; round++) {
    namespaces[`splice${String(round)}`] = { kind: 'record', adapter: 'pg', encryption: { keyId } };
    namespaces[`put${String(round)}`] = { kind: 'record', adapter: 'pgput', encryption: { keyId } };
  }
  const options = { url, schema, poolSize: 4 };
  return createStorageClient(
    { schemaVersion: 1, adapters: { pg: { use: 'postgres', options }, pgput: { use: 'postgres-put', options } }, namespaces } as never,
    { adapters: [postgresRecords(), withoutSplice()], keys },
  );
};
const writer = open('k1');
const rotator = open('k2');

let sent = 0;
const write = Socket.prototype.write;
Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
  if (this.remotePort === port) sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
  return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof write;

try {
  const got: Record<Side, { seconds: number[]; bytes: number[] }> = { splice: { seconds: [], bytes: [] }, put: { seconds: [], bytes: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    const order: Side[] = round % 2 === 0 ? ['splice', 'put'] : ['put', 'splice'];
    for (const side of order) {
      const namespace = `${side}${String(round)}`;
      for (let start = 0; start < RECORDS; start += 1000) {
        const count = Math.min(1000, RECORDS - start);
        await writer.records(namespace).putMany(Array.from({ length: count }, (_, i) => ({ key: `r${String(start + i).padStart(6, '0')}`, value: { ...value, n: start + i } })));
      }
      sent = 0;
      const started = process.hrtime.bigint();
      const report = await rotator.rotateKeys(namespace, { batchSize: 500 });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (report.rewrapped !== RECORDS) throw new Error(`round ${String(round)} ${side}: rewrapped ${String(report.rewrapped)}`);
      got[side].seconds.push(seconds);
      got[side].bytes.push(sent / RECORDS);
    }
  }
  const ratios = got.splice.seconds.map((s, i) => s / got.put.seconds[i]!);
  console.log(`rotation of ${String(RECORDS)} records on PostgreSQL, ${String(ROUNDS)} rounds, loadavg ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
  for (const side of ['splice', 'put'] as const) {
    console.log(`${side.padEnd(6)} ${median(got[side].seconds).toFixed(2)} s (median)  ${median(got[side].bytes).toFixed(0)} bytes/record   per-round ${got[side].seconds.map((s) => s.toFixed(2)).join(' ')}`);
  }
  console.log(`time splice/put: median ratio ${median(ratios).toFixed(2)}   per-round ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
} finally {
  Socket.prototype.write = write;
  await writer.close();
  await rotator.close();
  const admin = postgresJs(url, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop schema if exists "${schema}" cascade`);
  await admin.end({ timeout: 5 });
}
