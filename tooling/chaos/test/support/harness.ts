/**
 * What every chaos scenario shares: a load of timed calls, a fault window, the wait for recovery,
 * and the invariant figures printed in one line per scenario.
 */
import { Registry } from 'prom-client';
import { expect } from 'vitest';
import { createStorageClient, isStorageError, type LogEvent, type ResilienceConfigInput, type StorageClient, type StorageConfigInput } from '@sanctum/storage-core';
import { createPrometheusMetrics } from '@sanctum/storage-core/prometheus';
import type { AdapterFactory } from '@sanctum/storage-core/spi';
import type { PrivateServer } from '@sanctum/test-services';
import { chaosProfile, type ChaosProxy, type Toxics } from '../../src/index.js';

export const profile = chaosProfile(process.env['CHAOS_PROFILE']);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deadlines of the scenarios' clients (short, so a fault shows within the short profile). */
export const TIMEOUT_MS = { read: 1000, write: 1000, transfer: 2000 } as const;
export const HALF_OPEN_MS = 1000;
/** Stream namespaces' `publishTimeoutMs` (how long a publish may wait for room in the local bound). */
export const PUBLISH_TIMEOUT_MS = 1000;
/**
 * A publish's deadline: the write timeout plus the time it may wait for room before it is sent
 * (docs/resilience.md; the layer grants a publish its own `timeoutMs` on top).
 */
export const PUBLISH_DEADLINE_MS = TIMEOUT_MS.write + PUBLISH_TIMEOUT_MS;
/** A call may end this much after its deadline (the layer's 10 ms slot, timers on a busy machine). */
export const DEADLINE_SLACK_MS = 100;

/** Resilience on, with a 2 s window so a fault opens the breaker within the fault. */
export const RESILIENCE: ResilienceConfigInput = {
  enabled: true,
  timeoutMs: { ...TIMEOUT_MS },
  retry: { attempts: 3, baseMs: 20, capMs: 200, budget: 0.1, minPerWindow: 10, windowMs: 2000 },
  breaker: { errorRate: 0.5, volume: 20, halfOpenAfterMs: HALF_OPEN_MS, windowMs: 2000 },
};

/** A facade client with a prom-client registry and the log events kept. */
export interface ChaosClient {
  readonly client: StorageClient;
  readonly registry: Registry;
  readonly logs: LogEvent[];
  /** `storage_circuit_state{adapter}`: 0 closed, 1 half-open, 2 open. */
  circuit(): Promise<number>;
  /** The `storage.circuit` transitions logged so far. */
  transitions(): string[];
}

export function chaosClient(config: StorageConfigInput, adapters: readonly AdapterFactory[], adapter: string): ChaosClient {
  const registry = new Registry();
  const logs: LogEvent[] = [];
  const client = createStorageClient(config, { adapters: [...adapters], metrics: createPrometheusMetrics({ registry }), logger: { log: (event) => void logs.push(event) } });
  return {
    client,
    registry,
    logs,
    async circuit() {
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'storage_circuit_state');
      const value = metric?.values.find((v) => v.labels['adapter'] === adapter)?.value;
      return value === undefined ? Number.NaN : Number(value);
    },
    transitions: () => logs.filter((e) => e.event === 'storage.circuit').map((e) => String(e['state'])),
  };
}

/** One call of the load: when it started, how long it took, how it ended, and the deadline it had. */
export interface Call {
  readonly op: string;
  readonly started: number;
  readonly took: number;
  readonly code: string | undefined;
  readonly deadlineMs: number;
}

/** The driver errors under a StorageError, by class name (` ← KafkaJSNonRetriableError ← …`). */
function causes(cause: unknown, depth = 0): string {
  if (typeof cause !== 'object' || cause === null || depth > 3) return '';
  const { name, cause: inner } = cause as { name?: unknown; cause?: unknown };
  return ` ← ${String(name)}${causes(inner, depth + 1)}`;
}

/** Timed calls of every worker of a scenario. */
export class CallLog {
  readonly calls: Call[] = [];
  /** The first message seen per error code, so a surprising code can be read in the figures. */
  readonly samples = new Map<string, string>();

  /**
   * Runs `fn`, keeps its timing and outcome, and resolves true when it succeeded. A StorageError is
   * an outcome; anything else is a bug and is thrown.
   */
  async run(op: string, deadlineMs: number, fn: () => Promise<unknown>): Promise<boolean> {
    const started = performance.now();
    try {
      await fn();
      this.calls.push({ op, started, took: performance.now() - started, code: undefined, deadlineMs });
      return true;
    } catch (error) {
      if (!isStorageError(error)) throw error;
      if (!this.samples.has(error.code)) this.samples.set(error.code, `${error.message}${causes(error.cause)}`);
      this.calls.push({ op, started, took: performance.now() - started, code: error.code, deadlineMs });
      return false;
    }
  }

  /**
   * Calls that ended later than their deadline + slack, not counting the time this process was
   * descheduled after the deadline was due (see {@link LoopHolds}).
   */
  late(holds: LoopHolds): Call[] {
    return this.pastDeadline().filter((c) => c.took - holds.descheduledWithin(c.started + c.deadlineMs, c.started + c.took) > c.deadlineMs + DEADLINE_SLACK_MS);
  }

  /** Calls past deadline + slack by the clock, whether or not the machine descheduling this process explains it. */
  pastDeadline(): Call[] {
    return this.calls.filter((c) => c.took > c.deadlineMs + DEADLINE_SLACK_MS);
  }

  slowest(): number {
    return this.calls.reduce((max, c) => Math.max(max, c.took), 0);
  }

  /** Outcome counts (`ok` or the error code) of calls started in [from, to). */
  outcomes(from = 0, to = Number.POSITIVE_INFINITY): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.calls) if (c.started >= from && c.started < to) counts[c.code ?? 'ok'] = (counts[c.code ?? 'ok'] ?? 0) + 1;
    return counts;
  }

  /** True once a call that started after `t` succeeded. */
  succeededAfter(t: number): boolean {
    return this.calls.some((c) => c.code === undefined && c.started > t);
  }
}

/** A time this process's timers could not fire, and how much of it the process was off the CPU. */
export interface Hold {
  readonly from: number;
  readonly to: number;
  /** ms of the hold the process was not running at all (descheduled by the machine), not running JS. */
  readonly descheduled: number;
}

/**
 * When this process could not run its timers, and why. A 10 ms interval notes each tick; a tick that
 * comes late shows the timers were held for the extra time. Either the event loop was busy (the
 * process was on the CPU: code under test or the test's own work) or the process was not scheduled at
 * all (on a 2-core machine a server resuming from SIGSTOP, forking its backends, takes both cores for
 * tens of ms). The two are told apart by the process's CPU time between the ticks.
 *
 * A deadline timer due while the process was descheduled fires late through no fault of the code
 * under test, so that share of a hold is left out of a call's lateness; a busy event loop is not
 * excused. A deadline that is not enforced at all still shows in full: a stalled call runs for the
 * whole fault, seconds past its deadline, while the loop keeps ticking.
 */
export class LoopHolds {
  static readonly TICK_MS = 10;
  /** Holds longer than this are kept (a tick a few ms late is timer granularity, not a hold). */
  static readonly MIN_HOLD_MS = 5;
  readonly holds: Hold[] = [];
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  #lastCpuMs = 0;

  start(): void {
    this.#last = performance.now();
    this.#lastCpuMs = cpuMs();
    this.#timer = setInterval(() => this.tick(performance.now(), cpuMs()), LoopHolds.TICK_MS);
  }

  /** One tick at `now`, with the process's CPU time then (both ms). */
  tick(now: number, cpu: number): void {
    const gap = now - this.#last;
    const held = gap - LoopHolds.TICK_MS;
    // Off the CPU for (gap − CPU time); the part of that beyond an on-time tick is the descheduled hold.
    if (held > LoopHolds.MIN_HOLD_MS) this.holds.push({ from: now - held, to: now, descheduled: Math.min(held, Math.max(0, gap - (cpu - this.#lastCpuMs))) });
    this.#last = now;
    this.#lastCpuMs = cpu;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** ms of [from, to) during which this process was held off the CPU (spread evenly over each hold). */
  descheduledWithin(from: number, to: number): number {
    let total = 0;
    for (const h of this.holds) {
      const overlap = Math.min(h.to, to) - Math.max(h.from, from);
      if (overlap > 0) total += (overlap * h.descheduled) / (h.to - h.from);
    }
    return total;
  }

  /** The longest time off the CPU within one hold, in ms. */
  longestDescheduled(): number {
    return this.holds.reduce((max, h) => Math.max(max, h.descheduled), 0);
  }

  /** The longest hold, in ms (0 when there was none), whatever its cause. */
  longest(): number {
    return this.holds.reduce((max, h) => Math.max(max, h.to - h.from), 0);
  }
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** `workers` loops calling `step(worker, i)` until stopped; a failed step backs off 5 ms. */
export function startLoad(workers: number, step: (worker: number, i: number) => Promise<boolean>) {
  let running = true;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let i = 0; running; i++) {
      const ok = await step(worker, i);
      await sleep(ok ? 1 : 5);
    }
  });
  return {
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** A fault of a scenario: how it starts and how it ends. */
export interface Fault {
  readonly name: string;
  readonly durationMs: number;
  start(): Promise<void> | void;
  end(): Promise<void> | void;
}

/** When a round's fault ran, and how long the client took to serve again with the breaker closed. */
export interface Round {
  readonly faultAt: number;
  readonly healedAt: number;
  /** ms from the end of the fault to the first success with the breaker closed; NaN if it never did. */
  readonly recoveredMs: number;
  readonly circuitAfter: number;
}

/**
 * Runs `rounds` of: fault for its duration, end it, then wait (load still on) until a call started
 * after the end succeeded and the breaker is closed, for at most the profile's recovery time.
 */
export async function runRounds(fault: Fault, log: CallLog, cc: ChaosClient, rounds = profile.rounds): Promise<Round[]> {
  const results: Round[] = [];
  await sleep(profile.warmupMs);
  for (let round = 0; round < rounds; round++) {
    const faultAt = performance.now();
    await fault.start();
    await sleep(fault.durationMs);
    await fault.end();
    const healedAt = performance.now();
    let recoveredMs = Number.NaN;
    const until = healedAt + profile.recoveryMs;
    while (performance.now() < until) {
      if (log.succeededAfter(healedAt) && (await cc.circuit()) === 0) {
        recoveredMs = performance.now() - healedAt;
        break;
      }
      await sleep(50);
    }
    results.push({ faultAt, healedAt, recoveredMs, circuitAfter: await cc.circuit() });
    // Healthy traffic between rounds, so each round starts from a closed breaker and a full window.
    await sleep(profile.warmupMs);
  }
  return results;
}

const CIRCUIT_NAMES = ['closed', 'half-open', 'open'];

/** The invariants of one scenario, printed as one line of figures. */
export interface Figures {
  readonly acknowledged: number;
  readonly lost: number;
  readonly duplicates?: number;
  readonly orphanedUploads?: number;
  readonly extra?: Record<string, string | number>;
}

export function printFigures(title: string, log: CallLog, rounds: readonly Round[], cc: ChaosClient, figures: Figures, holds: LoopHolds): string {
  const late = log.late(holds);
  const excused = log.pastDeadline().length - late.length;
  const parts = [
    `profile ${profile.name}`,
    `calls ${String(log.calls.length)} ${JSON.stringify(log.outcomes())}`,
    `acknowledged ${String(figures.acknowledged)}`,
    `lost ${String(figures.lost)}`,
    ...(figures.duplicates === undefined ? [] : [`duplicates ${String(figures.duplicates)}`]),
    ...(figures.orphanedUploads === undefined ? [] : [`orphaned multipart uploads ${String(figures.orphanedUploads)}`]),
    `slowest call ${log.slowest().toFixed(0)} ms, past deadline+${String(DEADLINE_SLACK_MS)} ms ${String(late.length)}${excused > 0 ? ` (${String(excused)} more, each late by less than this process was descheduled)` : ''}`,
    `recovered after ${rounds.map((r) => `${r.recoveredMs.toFixed(0)} ms`).join(', ')}`,
    `breaker at end ${rounds.map((r) => CIRCUIT_NAMES[r.circuitAfter] ?? String(r.circuitAfter)).join(', ')} (${cc.transitions().join(' → ') || 'never left closed'})`,
    ...Object.entries(figures.extra ?? {}).map(([k, v]) => `${k} ${String(v)}`),
    // Codes a fault should not produce (a lost link is UNAVAILABLE or TIMEOUT): quote what was said.
    ...[...log.samples].filter(([code]) => !['UNAVAILABLE', 'TIMEOUT', 'CIRCUIT_OPEN'].includes(code)).map(([code, message]) => `first ${code}: "${message}"`),
  ];
  const line = `[chaos ${title}] ${parts.join('; ')}`;
  console.log(line);
  return line;
}

/** One scenario: load on, fault rounds, load off, the scenario's own checks, figures, invariants. */
export interface ScenarioSpec {
  readonly title: string;
  readonly cc: ChaosClient;
  readonly log: CallLog;
  readonly fault: Fault;
  /** Starts the load (after the client is ready); returns its stopper. */
  readonly load: () => { stop(): Promise<void> };
  /** After the load stopped: read back what was acknowledged (raw), count what is missing. */
  readonly check: () => Promise<Figures>;
  /** Evidence that the fault really hit the client (calls failed or slowed, connections reset). */
  readonly faultShowed: (log: CallLog, rounds: readonly Round[]) => boolean;
}

/** Runs a scenario and asserts the invariants every scenario holds. */
export async function runScenario(spec: ScenarioSpec): Promise<void> {
  // When this process was held (event loop blocked, or the process descheduled): timers due then fire late.
  const holds = new LoopHolds();
  holds.start();
  const load = spec.load();
  let rounds: Round[];
  try {
    rounds = await runRounds(spec.fault, spec.log, spec.cc);
  } finally {
    await load.stop();
    holds.stop();
  }
  const checked = await spec.check();
  const figures = { ...checked, extra: { ...checked.extra, 'event-loop delay max': `${holds.longest().toFixed(0)} ms`, 'descheduled max': `${holds.longestDescheduled().toFixed(0)} ms` } };
  printFigures(spec.title, spec.log, rounds, spec.cc, figures, holds);
  expect(spec.faultShowed(spec.log, rounds), `the ${spec.fault.name} fault left no trace in the calls`).toBe(true);
  expect(figures.acknowledged, 'nothing was acknowledged: the load did not run').toBeGreaterThan(0);
  expect(figures.lost, 'acknowledged but not found when read back').toBe(0);
  if (figures.orphanedUploads !== undefined) expect(figures.orphanedUploads, 'multipart uploads left behind').toBe(0);
  expect(spec.log.late(holds).map((c) => `${c.op} ${c.took.toFixed(0)} ms (deadline ${String(c.deadlineMs)})`), 'calls past their deadline').toEqual([]);
  for (const round of rounds) {
    expect(Number.isFinite(round.recoveredMs), `no success with the breaker closed within ${String(profile.recoveryMs)} ms of the fault's end`).toBe(true);
    expect(round.circuitAfter, 'storage_circuit_state after recovery (0 = closed)').toBe(0);
  }
}

/** The slow, lossy link of every scenario: latency ± jitter per chunk, and some chunks resetting. */
export const LOSSY = { latencyMs: 40, jitterMs: 30, resetProbability: 0.02 } as const;
/** The least a round trip through {@link LOSSY} can take: each direction at least latency − jitter. */
const LOSSY_MIN_ROUND_TRIP_MS = 2 * (LOSSY.latencyMs - LOSSY.jitterMs);

/**
 * Evidence that the lossy link was on: the proxy reset connections, or (resets being a matter of
 * chance) every call that succeeded wholly inside the fault took at least the link's least round trip.
 */
export function lossyShowed(resets: () => number): ScenarioSpec['faultShowed'] {
  const before = resets();
  return (log, rounds) => {
    if (resets() > before) return true;
    const inside = log.calls.filter((c) => c.code === undefined && rounds.some((r) => c.started >= r.faultAt && c.started + c.took <= r.healedAt));
    return inside.length > 0 && inside.every((c) => c.took >= LOSSY_MIN_ROUND_TRIP_MS);
  };
}

/** Calls that were running at some point of any round's fault (a call caught by a stall started before it). */
export function duringFaults(log: CallLog, rounds: readonly Round[]): Call[] {
  return log.calls.filter((c) => rounds.some((r) => c.started < r.healedAt && c.started + c.took > r.faultAt));
}

/** Evidence of a stall or crash: some call running during a fault failed. */
export const failedDuring: ScenarioSpec['faultShowed'] = (log, rounds) => duringFaults(log, rounds).some((c) => c.code !== undefined);

/** A private server's faults: stopped (SIGSTOP, then SIGCONT) and crashed (SIGKILL, then a restart on its data). */
export function serverFaults(server: PrivateServer): { readonly stall: Fault; readonly crash: Fault } {
  return {
    stall: { name: `SIGSTOP ${String(profile.stallMs)} ms`, durationMs: profile.stallMs, start: () => server.stall(), end: () => server.resume() },
    crash: { name: `SIGKILL + restart after ${String(profile.downMs)} ms`, durationMs: profile.downMs, start: () => server.crash(), end: () => server.restart() },
  };
}

/** A link's faults through the proxy: black-holed, and down (connections killed, new ones refused). */
export function linkFaults(proxy: ChaosProxy): { readonly stall: Fault; readonly crash: Fault } {
  return {
    stall: { name: `black hole ${String(profile.stallMs)} ms`, durationMs: profile.stallMs, start: () => proxy.set({ blackhole: true }), end: () => proxy.set({ blackhole: false }) },
    crash: { name: `link down ${String(profile.downMs)} ms`, durationMs: profile.downMs, start: () => proxy.down(), end: () => proxy.up() },
  };
}

/** The slow, lossy link ({@link LOSSY}, plus `extra` toxics) for `profile.lossyMs`. */
export function lossyFault(proxy: ChaosProxy, extra: Partial<Toxics> = {}): Fault {
  return { name: `lossy link ${String(profile.lossyMs)} ms`, durationMs: profile.lossyMs, start: () => proxy.set({ ...LOSSY, ...extra }), end: () => proxy.clear() };
}
