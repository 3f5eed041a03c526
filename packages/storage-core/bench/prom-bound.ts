/**
 * One request's metric updates (2 counter incs + 1 histogram observe, as the observe layer does)
 * through prom-client's public `labels()` children vs core's bound series (ADR-003), interleaved
 * rounds, median of per-round differences. Run: node --conditions=@sanctum/source --import tsx bench/prom-bound.ts
 */
import client, { Registry } from 'prom-client';
import { createPrometheusMetrics } from '../src/observability/prometheus.js';

const ROUNDS = 9;
const OPS = 200_000;
const labels = { namespace: 'users', kind: 'record', operation: 'get', adapter: 'postgres', outcome: 'ok' } as const;
const names = Object.keys(labels);

const ours = createPrometheusMetrics({ registry: new Registry() });
const oursReq = ours.requestsTotal.bind(labels);
const oursCache = ours.cacheRequestsTotal.bind({ namespace: 'users', kind: 'record', result: 'hit' });
const oursDur = ours.durationSeconds.bind(labels);

const registry = new Registry();
const counter = new client.Counter({ name: 'c', help: 'c', labelNames: names, registers: [registry] });
const cache = new client.Counter({ name: 'h', help: 'h', labelNames: ['namespace', 'kind', 'result'], registers: [registry] });
const histogram = new client.Histogram({ name: 'd', help: 'd', labelNames: names, registers: [registry], buckets: [0.001, 0.01, 0.1, 1] });
const pubReq = counter.labels(labels);
const pubCache = cache.labels({ namespace: 'users', kind: 'record', result: 'hit' });
const pubDur = histogram.labels(labels);

function time(run: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) run(i);
  return Number(process.hrtime.bigint() - start) / OPS;
}
const runOurs = (i: number) => (oursReq.inc(), oursCache.inc(), oursDur.observe((i % 100) / 1000));
const runPub = (i: number) => (pubReq.inc(), pubCache.inc(), pubDur.observe((i % 100) / 1000));
time(runOurs);
time(runPub);
const diffs: number[] = [];
const o: number[] = [];
const p: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const a = time(runOurs);
  const b = time(runPub);
  o.push(a);
  p.push(b);
  diffs.push(b - a);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`bound series ${median(o).toFixed(0)} ns/request, prom-client labels() ${median(p).toFixed(0)} ns/request, saved ${median(diffs).toFixed(0)} ns/request (median of ${ROUNDS} rounds)`);
