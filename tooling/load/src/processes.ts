/** Child processes of a load run: the sample service and a real Prometheus, each on a free port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  readonly process: ChildProcess;
  /** Last lines of stderr/stdout, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

function track(child: ChildProcess, name: string): Child {
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    output: () => `${name} output (last lines):\n${tail}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 2xx, the child exits, or `timeoutMs` passes. */
async function waitReady(url: string, child: Child, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.process.exitCode !== null) throw new Error(`${what} exited with code ${String(child.process.exitCode)} before it was ready\n${child.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await child.stop();
  throw new Error(`${what} was not ready at ${url} within ${String(timeoutMs)} ms\n${child.output()}`);
}

export interface SampleServiceOptions {
  readonly serviceBin: string;
  readonly configFile: string;
  readonly env: Readonly<Record<string, string>>;
  readonly chaos?: string;
  /** @default a free port */
  readonly port?: number;
}

export async function startSampleService(options: SampleServiceOptions): Promise<Child & { url: string }> {
  const port = options.port ?? (await freePort());
  const child = track(
    spawn(process.execPath, [options.serviceBin], {
      env: {
        ...process.env,
        ...options.env,
        SANCTUM_STORAGE_CONFIG: options.configFile,
        PORT: String(port),
        HOST: '127.0.0.1',
        ...(options.chaos ? { SANCTUM_CHAOS: options.chaos } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    'sample service',
  );
  const url = `http://127.0.0.1:${String(port)}`;
  await waitReady(`${url}/readyz`, child, 60_000, 'the sample service');
  return { ...child, url };
}

export interface PrometheusOptions {
  readonly binary: string;
  readonly rulesFile: string;
  /** host:port of the service's /metrics. */
  readonly target: string;
  readonly job: string;
}

/** The Prometheus config of a load run: scrape every 1 s, evaluate the rules every 1 s. */
export function prometheusConfig(options: Pick<PrometheusOptions, 'rulesFile' | 'target' | 'job'>): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    `  - ${JSON.stringify(options.rulesFile)}`,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(options.job)}`,
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${JSON.stringify(options.target)}]`,
    '',
  ].join('\n');
}

export async function startPrometheus(options: PrometheusOptions): Promise<Child & { url: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sanctum-load-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(options));
  const port = await freePort();
  const child = track(
    spawn(
      options.binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${String(port)}`,
        '--storage.tsdb.retention.time=1d',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
    'prometheus',
  );
  child.process.once('error', () => undefined);
  const url = `http://127.0.0.1:${String(port)}`;
  await waitReady(`${url}/-/ready`, child, 30_000, 'Prometheus');
  return {
    ...child,
    url,
    dir,
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One instant query against Prometheus' HTTP API. */
export async function promQuery(baseUrl: string, query: string, time?: number): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const params = new URLSearchParams({ query });
  if (time !== undefined) params.set('time', String(time));
  const res = await fetch(`${baseUrl}/api/v1/query?${params.toString()}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success' || !body.data) throw new Error(`Prometheus query failed (${String(res.status)}): ${body.error ?? 'no data'}\n  query: ${query}`);
  if (body.data.resultType !== 'vector') throw new Error(`Prometheus query returned ${body.data.resultType}, expected a vector\n  query: ${query}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

export interface AlertInfo {
  readonly name: string;
  readonly state: string;
  readonly labels: Record<string, string>;
}

export async function promAlerts(baseUrl: string): Promise<AlertInfo[]> {
  const res = await fetch(`${baseUrl}/api/v1/alerts`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
  if (body.status !== 'success') throw new Error(`Prometheus /api/v1/alerts failed (${String(res.status)})`);
  return body.data.alerts.map((a) => ({ name: a.labels['alertname'] ?? '?', state: a.state, labels: a.labels }));
}

/** Rule groups Prometheus loaded, with each rule's evaluation health. */
export async function promRules(baseUrl: string): Promise<Array<{ group: string; name: string; type: string; health: string; lastError?: string }>> {
  const res = await fetch(`${baseUrl}/api/v1/rules`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { data: { groups: Array<{ name: string; rules: Array<{ name: string; type: string; health: string; lastError?: string }> }> } };
  return body.data.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, name: r.name, type: r.type, health: r.health, ...(r.lastError ? { lastError: r.lastError } : {}) })));
}
