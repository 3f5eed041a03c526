/**
 * Ledger on PostgreSQL: verify throughput and peak memory over a 1M-entry ledger, and append
 * throughput under 16 concurrent writers with the order checked.
 *
 * 1. Fixture: ENTRIES signed entries (HMAC-SHA256) written by multi-row INSERTs straight into the
 *    records table (a bulk path for the fixture only; the chain is built with core's entryHash, the
 *    same as ledger.append), plus the tip.
 * 2. Verify: a child process verifies the whole ledger (bounded by readBatch) and reports entries/s
 *    and its peak RSS (VmHWM). Run VERIFY_RUNS times.
 * 3. Appends, interleaved per round (order alternating): raw = 16 workers each running single-row
 *    INSERTs of pre-hashed rows (the floor: no hashing, no ordering); ledger-1 = 16 writers on ONE
 *    ledger instance (in-process group commit); ledger-16 = 16 ledger instances (as 16 processes
 *    would: create-only conflicts, re-sync, retry). After each ledger round: verify ok, positions
 *    1..n each once, each writer's positions increasing.
 *
 * Run once, on a quiet machine: node --conditions=@sanctum/source --import tsx bench/ledger.ts. Knobs: BENCH_ENTRIES (1000000), BENCH_ROUNDS (3), BENCH_APPENDS (4000),
 * BENCH_VERIFY_RUNS (2), BENCH_READ_BATCH (500).
 */
import { createHmac, createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgresJs from 'postgres';
import { GENESIS_HASH, createLedger, entryHash, entryKey, recordLedgerBackend, type LedgerSigning } from '@sanctum/storage-core';
import { resolveService } from '@sanctum/test-services';
import { createPostgresRecordStore, migrateUp } from '../src/index.js';

const ENTRIES = Number(process.env['BENCH_ENTRIES'] ?? 1_000_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const APPENDS = Number(process.env['BENCH_APPENDS'] ?? 4_000);
const VERIFY_RUNS = Number(process.env['BENCH_VERIFY_RUNS'] ?? 2);
const READ_BATCH = Number(process.env['BENCH_READ_BATCH'] ?? 500);
const WRITERS = 16;
const here = dirname(fileURLToPath(import.meta.url));

const url = (await resolveService('postgres')).url;
const schema = `sanctum_bench_ledger_${randomBytes(3).toString('hex')}`;
await migrateUp({ url, schema });
const sql = postgresJs(url, { max: 4, onnotice: () => undefined });
const table = sql(`${schema}.records`);
const secret = randomBytes(32);
const signing: LedgerSigning = { algorithm: 'hmac-sha256', keyId: 'bench', secret };
const mac = (text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('base64url');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  // 1. Fixture.
  const fixtureStarted = performance.now();
  const time = new Date().toISOString();
  let prev = GENESIS_HASH;
  let rows: Array<{ namespace: string; key: string; value: unknown; version: number; etag: string }> = [];
  for (let seq = 1; seq <= ENTRIES; seq += 1) {
    const base = { v: 1, ledger: 'bench', seq, time, prev, payload: { type: 'record.deleted', actor: `user-${seq % 977}`, resource: { kind: 'record', namespace: 'users', key: `t${seq % 13}/u${seq}` }, outcome: 'succeeded' } };
    const hash = entryHash(base);
    rows.push({ namespace: 'big', key: entryKey(seq), value: { ...base, hash, sig: mac(hash), kid: 'bench' }, version: 1, etag: randomBytes(8).toString('hex') });
    prev = hash;
    if (rows.length === 2_000 || seq === ENTRIES) {
      await sql`insert into ${table} ${sql(rows as never, 'namespace', 'key', 'value', 'version', 'etag')}`;
      rows = [];
    }
  }
  const tipBase = { hash: prev, kind: 'tip', ledger: 'bench', seq: ENTRIES, v: 1 };
  const tipSig = mac(createHash('sha256').update(JSON.stringify(tipBase)).digest('hex'));
  const tip = { v: 1, ledger: 'bench', seq: ENTRIES, hash: prev, sig: tipSig, kid: 'bench' };
  await sql`insert into ${table} ${sql({ namespace: 'big', key: 'tip', value: tip, version: 1, etag: 'tip' } as never, 'namespace', 'key', 'value', 'version', 'etag')}`;
  const size = await sql`select pg_size_pretty(pg_total_relation_size(${`${schema}.records`})) as size`;
  console.log(`fixture: ${ENTRIES} entries in ${((performance.now() - fixtureStarted) / 1000).toFixed(1)} s, table ${String(size[0]!['size'])}`);

  // 2. Verify in a child process.
  for (let run = 1; run <= VERIFY_RUNS; run += 1) {
    const out = execFileSync(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', join(here, 'ledger-verify-child.ts'), url, schema, 'big', secret.toString('hex'), String(READ_BATCH)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    console.log(`verify run ${run}: ${out.trim()}`);
  }

  // 3. Appends, interleaved.
  const results: Record<string, number[]> = { raw: [], 'ledger-1': [], 'ledger-16': [] };
  const stores = Array.from({ length: WRITERS }, () => createPostgresRecordStore({ url, schema, poolSize: 2 }));
  const shared = createPostgresRecordStore({ url, schema, poolSize: 10 });
  await Promise.all([...stores, shared].map((store) => store.open!()));
  const perWriter = Math.ceil(APPENDS / WRITERS);
  const payload = { type: 'acl.denied', actor: 'u1', resource: { kind: 'record', namespace: 'users', key: 't1/u1' }, outcome: 'denied' };
  const raw16 = postgresJs(url, { max: 10, onnotice: () => undefined });
  const check = async (namespace: string, seqs: number[][]) => {
    const all = seqs.flat().sort((a, b) => a - b);
    if (all.length !== perWriter * WRITERS || all.some((seq, index) => seq !== index + 1)) throw new Error(`${namespace}: positions are not 1..n each once`);
    for (const list of seqs) for (let i = 1; i < list.length; i += 1) if (list[i]! <= list[i - 1]!) throw new Error(`${namespace}: a writer's order broke`);
    const report = await createLedger({ id: 'bench', backend: recordLedgerBackend(shared, namespace), signing }).verify();
    if (!report.ok || report.checked !== all.length) throw new Error(`${namespace}: verify failed ${JSON.stringify(report.corrupt.slice(0, 3))}`);
  };
  const cases: Record<string, (round: number) => Promise<void>> = {
    raw: async (round) => {
      const namespace = `raw${round}`;
      const hash = entryHash({ v: 1, ledger: 'bench', seq: 1, time, prev: GENESIS_HASH, payload });
      let next = 0;
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          for (let i = 0; i < perWriter; i += 1) {
            next += 1;
            const value = { v: 1, ledger: 'bench', seq: next, time, prev: GENESIS_HASH, payload, hash };
            await raw16`insert into ${table} (namespace, key, value, version, etag) values (${namespace}, ${entryKey(next)}, ${raw16.json(value as never)}, 1, ${String(next)})`;
          }
        }),
      );
    },
    'ledger-1': async (round) => {
      const namespace = `one${round}`;
      const ledger = createLedger({ id: 'bench', backend: recordLedgerBackend(shared, namespace), signing });
      const seqs = await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          const mine: number[] = [];
          for (let i = 0; i < perWriter; i += 1) mine.push((await ledger.append({ ...payload, writer, i })).seq);
          return mine;
        }),
      );
      await check(namespace, seqs);
    },
    'ledger-16': async (round) => {
      const namespace = `many${round}`;
      const seqs = await Promise.all(
        stores.map(async (store, writer) => {
          const ledger = createLedger({ id: 'bench', backend: recordLedgerBackend(store, namespace), signing });
          const mine: number[] = [];
          for (let i = 0; i < perWriter; i += 1) mine.push((await ledger.append({ ...payload, writer, i })).seq);
          return mine;
        }),
      );
      await check(namespace, seqs);
    },
  };
  const names = Object.keys(cases);
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const started = performance.now();
      await cases[name]!(round);
      const seconds = (performance.now() - started) / 1000;
      results[name]!.push((perWriter * WRITERS) / seconds);
    }
    console.log(`round ${round + 1}: ${names.map((name) => `${name} ${results[name]!.at(-1)!.toFixed(0)}/s`).join(', ')}`);
  }
  const ratios = (name: string) => results[name]!.map((value, index) => value / results['raw']![index]!);
  console.log(
    `appends (${WRITERS} writers, ${perWriter * WRITERS} per round, ${ROUNDS} rounds): ` +
      names.map((name) => `${name} median ${median(results[name]!).toFixed(0)}/s`).join('; ') +
      `; per-round ratio to raw: ledger-1 ${median(ratios('ledger-1')).toFixed(2)}, ledger-16 ${median(ratios('ledger-16')).toFixed(3)}`,
  );
  await Promise.all([...stores, shared].map((store) => store.close!()));
  await raw16.end();
} finally {
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.end();
}
