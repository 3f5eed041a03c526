/**
 * Child of bench/ledger.ts: verifies the whole ledger in `schema`/`namespace` and prints one JSON
 * line with the report summary, the time taken and this process's peak RSS (VmHWM), so the memory
 * figure is the verify's alone.
 */
import { readFileSync } from 'node:fs';
import { createLedger, recordLedgerBackend } from '@sanctum/storage-core';
import { createPostgresRecordStore } from '../src/index.js';

const [url, schema, namespace, secret, batch] = process.argv.slice(2) as [string, string, string, string, string];
const store = createPostgresRecordStore({ url, schema, poolSize: 4 });
await store.open!();
const ledger = createLedger({
  id: 'bench',
  backend: recordLedgerBackend(store, namespace),
  signing: { algorithm: 'hmac-sha256', keyId: 'bench', secret: Buffer.from(secret, 'hex') },
  readBatch: Number(batch),
});
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
let progressCalls = 0;
const report = await ledger.verify(undefined, { onProgress: () => (progressCalls += 1) });
const seconds = (performance.now() - started) / 1000;
const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
await store.close!();
console.log(
  JSON.stringify({
    ok: report.ok,
    checked: report.checked,
    corrupt: report.corrupt.length,
    seconds,
    entriesPerSecond: report.checked / seconds,
    rssBeforeMiB: rssBefore / 2 ** 20,
    peakRssMiB: peak === undefined ? undefined : Number(peak) / 1024,
    progressCalls,
  }),
);
