/**
 * Allow-path cost of access control on records get: the same memory-backed namespace with no
 * security section ("off") and with the built-in rule policy enforcing tenant isolation, redaction
 * on ("acl"), interleaved round by round in one process. Reports the median of per-round
 * differences (ns/op) and ratios, by wall clock and by this process's CPU time (user + system):
 * the work is CPU-only at concurrency 1, and CPU time is far less disturbed by other processes on a
 * shared machine than wall time. Run: pnpm bench:acl (in this package).
 */
import { createStorageClient, type RecordCollection } from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['BENCH_OPS'] ?? 100_000);
const KEYS = 1_000;
const value = { name: 'Ada', n: 42 };
const principal = { id: 'user-7', tenant: 't1', roles: ['reader', 'tenant-user'] };

type Variant = 'off' | 'acl' | 'aclOption';
type Run = (i: number) => Promise<unknown>;

/** [wall ns/op, cpu ns/op] */
async function time(run: Run): Promise<[number, number]> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) await run(i);
  const wall = Number(process.hrtime.bigint() - start) / OPS;
  const used = process.cpuUsage(cpu);
  return [wall, ((used.user + used.system) * 1000) / OPS];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function namespace(security: boolean): { handle: RecordCollection<typeof value>; scoped: RecordCollection<typeof value> } {
  const storage = createStorageClient({
    schemaVersion: 1,
    namespaces: { users: { kind: 'record' } },
    ...(security
      ? {
          security: {
            acl: {
              rules: [
                { roles: ['admin'], actions: ['*'], namespaces: ['orders'] },
                { roles: ['tenant-user'], actions: ['read', 'write', 'list'], keys: ['{tenant}/**'] },
                { roles: ['tenant-user'], actions: ['read'], effect: 'deny', keys: ['{tenant}/private/**'] },
              ],
            },
          },
        }
      : {}),
  });
  return { handle: storage.records('users'), scoped: storage.as(principal).records('users') };
}

async function main(): Promise<void> {
  const off = namespace(false);
  const acl = namespace(true);
  for (let k = 0; k < KEYS; k++) {
    await off.handle.put(`t1/user-${k}`, value);
    await acl.scoped.put(`t1/user-${k}`, value);
  }
  const keys = Array.from({ length: KEYS }, (_, k) => `t1/user-${k}`);
  const runs: Record<Variant, Run> = {
    off: (i) => off.handle.get(keys[i % KEYS]!),
    acl: (i) => acl.scoped.get(keys[i % KEYS]!),
    aclOption: (i) => acl.handle.get(keys[i % KEYS]!, { principal }),
  };
  console.log(`acl overhead, records get: ${ROUNDS} interleaved rounds × ${OPS} ops, concurrency 1, node ${process.version}`);
  for (const run of Object.values(runs)) await time(run);
  const wall: Record<Variant, number[]> = { off: [], acl: [], aclOption: [] };
  const cpu: Record<Variant, number[]> = { off: [], acl: [], aclOption: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no variant always runs first.
    const order: Variant[] = (['off', 'acl', 'aclOption'] as const).map((_, j, all) => all[(j + r) % all.length]!);
    for (const variant of order) {
      const [w, c] = await time(runs[variant]);
      wall[variant].push(w);
      cpu[variant].push(c);
    }
  }
  for (const variant of ['acl', 'aclOption'] as const) {
    for (const [clock, ns] of [['wall', wall], ['cpu', cpu]] as const) {
      const deltas = ns.off.map((o, i) => ns[variant][i]! - o);
      const ratios = ns.off.map((o, i) => o / ns[variant][i]!);
      console.log(
        `${(variant === 'acl' ? 'storage.as(p)' : 'options.principal').padEnd(17)} ${clock.padEnd(4)}: off ${median(ns.off).toFixed(0)} ns/op, on ${median(ns[variant]).toFixed(0)} ns/op,` +
          ` overhead median ${(median(deltas) / 1000).toFixed(3)} µs/op (rounds: ${deltas.map((d) => d.toFixed(0)).join(', ')} ns), throughput ratio ${median(ratios).toFixed(2)}×`,
      );
    }
  }
}

await main();
