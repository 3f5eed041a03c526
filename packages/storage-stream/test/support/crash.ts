import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
const consumerScript = join(packageDir, 'test', 'integration', 'crash', 'consumer.ts');

/** How one crash test is run. */
export interface CrashPlan {
  readonly backend: 'redis' | 'kafka';
  readonly namespace: string;
  readonly total: number;
  /** SIGKILLs before the last consumer is allowed to finish. */
  readonly kills: number;
  /** A consumer lives this long (random within the range) after it is ready, then it is killed. */
  readonly lifetimeMs: readonly [number, number];
  readonly maxInFlight: number;
  /** Mean handler time. */
  readonly workMs: number;
  readonly env: Readonly<Record<string, string>>;
  /** How long the last consumer may take to finish everything. */
  readonly finishWithinMs: number;
}

/** What a crash test saw. */
export interface CrashReport {
  readonly backend: string;
  readonly total: number;
  readonly kills: number;
  readonly handledAtKill: number[];
  readonly distinct: number;
  readonly deliveries: number;
  readonly duplicates: number;
  readonly missing: number[];
  readonly durationMs: number;
}

function ledgerCounts(ledger: string): Map<number, number> {
  const counts = new Map<number, number>();
  if (!existsSync(ledger)) return counts;
  for (const line of readFileSync(ledger, 'utf8').split('\n')) {
    if (line === '') continue;
    const i = Number(line);
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return counts;
}

function startConsumer(plan: CrashPlan, ledger: string): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', consumerScript], {
    cwd: packageDir,
    env: {
      ...process.env,
      ...plan.env,
      BACKEND: plan.backend,
      NAMESPACE: plan.namespace,
      LEDGER: ledger,
      WORK_MS: String(plan.workMs),
      MAX_IN_FLIGHT: String(plan.maxInFlight),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('READY')) resolve();
    });
    void exited.then((code) => reject(new Error(`consumer exited (${String(code)}) before it was ready:\n${stderr}`)));
  });
  return { child, ready, exited };
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs consumer processes against an already published namespace, SIGKILLing `kills` of them at
 * random moments, then lets a last one finish and stops it with SIGTERM. Reads the handled-message
 * ledger the consumers append to, and writes the report to test-results/crash-<backend>.json.
 */
export async function runCrashTest(plan: CrashPlan): Promise<CrashReport> {
  const started = Date.now();
  const ledger = join(tmpdir(), `sanctum-crash-${plan.backend}-${String(process.pid)}-${String(started)}.log`);
  const handledAtKill: number[] = [];
  for (let kill = 0; kill < plan.kills; kill += 1) {
    const { child, ready, exited } = startConsumer(plan, ledger);
    await ready;
    const [low, high] = plan.lifetimeMs;
    await new Promise((resolve) => setTimeout(resolve, low + Math.random() * (high - low)));
    child.kill('SIGKILL');
    await exited;
    handledAtKill.push(ledgerCounts(ledger).size);
  }
  const last = startConsumer(plan, ledger);
  await last.ready;
  try {
    await waitUntil(() => ledgerCounts(ledger).size >= plan.total, plan.finishWithinMs, `all ${String(plan.total)} messages to be handled`);
  } finally {
    last.child.kill('SIGTERM');
    await last.exited;
  }
  const counts = ledgerCounts(ledger);
  const deliveries = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const missing = Array.from({ length: plan.total }, (_, i) => i).filter((i) => !counts.has(i));
  const report: CrashReport = {
    backend: plan.backend,
    total: plan.total,
    kills: plan.kills,
    handledAtKill,
    distinct: counts.size,
    deliveries,
    duplicates: deliveries - counts.size,
    missing,
    durationMs: Date.now() - started,
  };
  mkdirSync(join(packageDir, 'test-results'), { recursive: true });
  writeFileSync(join(packageDir, 'test-results', `crash-${plan.backend}.json`), JSON.stringify(report, null, 2));
  console.log(`crash test (${plan.backend}): ${JSON.stringify(report)}`);
  return report;
}
