/** A load run: sample service on the rig + real Prometheus + open-model load + SLOs from PromQL. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { servicesEnv } from '@sanctum/test-services';
import { ROUTES, runLoad, seed, type LoadResult, type RouteKey } from './load.js';
import { freePort, promAlerts, promQuery, promRules, startPrometheus, startSampleService, type AlertInfo } from './processes.js';
import { renderMarkdown } from './report.js';
import { evaluateSlos, parseSloFile, type RouteFigures, type SloCheck } from './slo.js';

export const JOB = 'sanctum-sample-service';
const ROUTE_MATCH = 'route=~"/profiles/:id|/avatars/:id|/events"';

export interface HarnessOptions {
  readonly repoRoot: string;
  readonly durationSeconds: number;
  readonly rate: number;
  readonly outDir: string;
  readonly sloFile: string;
  readonly prometheusBinary?: string;
  /** Core chaos settings (JSON) given to the service: the nightly run. */
  readonly chaos?: string;
  readonly log?: (line: string) => void;
}

export interface Report {
  readonly ok: boolean;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly rate: number;
  readonly chaos: string | null;
  readonly prometheus: { readonly version: string; readonly scrapeIntervalSeconds: 1; readonly windowSeconds: number; readonly queries: Record<string, string> };
  /** Figures from Prometheus' queries over what it scraped (the SLO source). */
  readonly routes: Record<string, RouteFigures & { recordingRuleP99Seconds5m: number | undefined }>;
  readonly client: LoadResult;
  readonly checks: readonly SloCheck[];
  readonly zeroErrors: { readonly ok: boolean; readonly required: boolean; readonly prometheusErrors: number; readonly clientErrors: number };
  readonly countsMatch: { readonly ok: boolean; readonly prometheus: number; readonly client: number };
  readonly alerts: readonly AlertInfo[];
  readonly rules: ReadonlyArray<{ group: string; name: string; type: string; health: string; lastError?: string }>;
}

function keyOf(metric: Record<string, string>): string {
  return `${metric['method'] ?? '?'} ${metric['route'] ?? '?'}`;
}

/** `X` over the window: the raw counter now minus `windowMs` ago; series born inside the window count whole. */
function windowed(selector: string, windowMs: number): string {
  return `((${selector}) - (${selector} offset ${String(windowMs)}ms)) or (${selector})`;
}

export function promQueries(windowMs: number): Record<string, string> {
  const sel = `{job="${JOB}",${ROUTE_MATCH}}`;
  const buckets = windowed(`http_request_duration_seconds_bucket${sel}`, windowMs);
  return {
    requests: `sum by (route, method) (${windowed(`http_requests_total${sel}`, windowMs)})`,
    errors: `sum by (route, method) (${windowed(`http_requests_total{job="${JOB}",${ROUTE_MATCH},code!~"2.."}`, windowMs)})`,
    p50: `histogram_quantile(0.5, sum by (route, method, le) (${buckets}))`,
    p99: `histogram_quantile(0.99, sum by (route, method, le) (${buckets}))`,
    recordingRuleP99: `sanctum:http_latency_p99:5m{job="${JOB}"}`,
  };
}

const serviceEnv = (): Promise<Record<string, string>> => servicesEnv(['postgres', 'redis', 's3']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runHarness(options: HarnessOptions): Promise<Report> {
  const t0 = Date.now();
  const sink = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (line: string): void => sink(`[+${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
  if (!(options.durationSeconds > 0)) throw new Error(`--duration must be a number of seconds > 0 (got ${String(options.durationSeconds)})`);
  if (!(options.rate > 0)) throw new Error(`--rate must be requests per second > 0 (got ${String(options.rate)})`);
  const slo = parseSloFile(JSON.parse(await readFile(options.sloFile, 'utf8')), options.sloFile);
  const env = await serviceEnv();
  log('load: starting the sample service on the rig and Prometheus');
  // Both start at once (Prometheus retries the scrape until the service listens).
  const servicePort = await freePort();
  const [serviceStart, prometheusStart] = await Promise.allSettled([
    startSampleService({
      serviceBin: join(options.repoRoot, 'apps/sample-service/bin/sample-service.js'),
      configFile: join(options.repoRoot, 'apps/sample-service/configs/rig.json'),
      env,
      port: servicePort,
      ...(options.chaos ? { chaos: options.chaos } : {}),
    }),
    startPrometheus({
      binary: options.prometheusBinary ?? 'prometheus',
      rulesFile: join(options.repoRoot, 'infra/prometheus/sanctum-storage.rules.yml'),
      target: `127.0.0.1:${String(servicePort)}`,
      job: JOB,
    }),
  ]);
  if (serviceStart.status === 'rejected' || prometheusStart.status === 'rejected') {
    if (serviceStart.status === 'fulfilled') await serviceStart.value.stop();
    if (prometheusStart.status === 'fulfilled') await prometheusStart.value.stop();
    throw serviceStart.status === 'rejected' ? serviceStart.reason : (prometheusStart as PromiseRejectedResult).reason;
  }
  const service = serviceStart.value;
  const prometheus = prometheusStart.value;
  try {
    log(`load: service at ${service.url}, Prometheus at ${prometheus.url}`);
    const prom = prometheus.url;
    // Wait for the first successful scrape.
    for (let i = 0; ; i += 1) {
      const up = await promQuery(prom, `up{job="${JOB}"}`);
      if (up[0]?.value === 1) break;
      if (i > 50) throw new Error(`Prometheus never scraped ${service.url}/metrics (up != 1 after 10 s)\n${prometheus.output()}`);
      await sleep(200);
    }
    const prefix = `load-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
    log(`load: Prometheus at ${prom} scrapes every 1 s; seeding ids ${prefix}-*`);
    const loadOptions = { baseUrl: service.url, durationSeconds: options.durationSeconds, rate: options.rate, prefix };
    await seed(loadOptions);
    // A full scrape interval after the seed, so the window's start sample has all of it and none of the load.
    await sleep(1500);
    const windowStart = Date.now();
    log(`load: ${String(options.rate)} req/s for ${String(options.durationSeconds)} s over ${ROUTES.join(', ')}`);
    const client = await runLoad(loadOptions);
    // A full scrape interval more so the last requests are in Prometheus.
    await sleep(1500);
    const at = Date.now();
    const windowMs = at - windowStart;
    const queries = promQueries(windowMs);
    const atSeconds = at / 1000;
    log('load: done; querying Prometheus');
    const [requests, errors, p50, p99, ruleP99] = await Promise.all(
      [queries['requests']!, queries['errors']!, queries['p50']!, queries['p99']!, queries['recordingRuleP99']!].map((q) => promQuery(prom, q, atSeconds)),
    );
    const figure = (rows: typeof requests, key: string): number | undefined => {
      const v = rows!.find((r) => keyOf(r.metric) === key)?.value;
      return v === undefined || Number.isNaN(v) ? undefined : v;
    };
    const figures = new Map<string, RouteFigures>();
    const routes: Report['routes'] = {};
    for (const route of ROUTES) {
      const f: RouteFigures = {
        requests: Math.round(figure(requests, route) ?? 0),
        errors: Math.round(figure(errors, route) ?? 0),
        p50Seconds: figure(p50, route),
        p99Seconds: figure(p99, route),
      };
      figures.set(route, f);
      // The recording rule keeps (job, route): one figure for both methods of a route.
      const rule = ruleP99!.find((r) => r.metric['route'] === route.split(' ')[1])?.value;
      routes[route] = { ...f, recordingRuleP99Seconds5m: rule === undefined || Number.isNaN(rule) ? undefined : rule };
    }
    const checks = evaluateSlos(slo, ROUTES, figures);
    const prometheusErrors = [...figures.values()].reduce((a, f) => a + f.errors, 0);
    const clientErrors = Object.values(client.routes).reduce((a, r) => a + r.errors, 0);
    const promTotal = [...figures.values()].reduce((a, f) => a + f.requests, 0);
    const clientTotal = Object.values(client.routes).reduce((a, r) => a + r.requests, 0);
    const zeroErrors = { ok: !slo.zeroErrors || (prometheusErrors === 0 && clientErrors === 0), required: slo.zeroErrors, prometheusErrors, clientErrors };
    const countsMatch = { ok: promTotal === clientTotal, prometheus: promTotal, client: clientTotal };
    const [alerts, rules, build] = await Promise.all([
      promAlerts(prom),
      promRules(prom),
      fetch(`${prom}/api/v1/status/buildinfo`).then(async (r) => ((await r.json()) as { data: { version: string } }).data.version),
    ]);
    const report: Report = {
      ok: checks.every((c) => c.ok) && zeroErrors.ok && countsMatch.ok,
      startedAt: new Date(client.startedAt).toISOString(),
      durationSeconds: options.durationSeconds,
      rate: options.rate,
      chaos: options.chaos ?? null,
      prometheus: { version: build, scrapeIntervalSeconds: 1, windowSeconds: windowMs / 1000, queries },
      routes,
      client,
      checks,
      zeroErrors,
      countsMatch,
      alerts,
      rules,
    };
    await mkdir(options.outDir, { recursive: true });
    await writeFile(join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(options.outDir, 'report.md'), renderMarkdown(report));
    return report;
  } finally {
    await Promise.all([prometheus.stop(), service.stop()]);
  }
}

export type { RouteKey };
