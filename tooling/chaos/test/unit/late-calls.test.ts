import { describe, expect, it } from 'vitest';
import { CallLog, LoopHolds, sleep } from '../support/harness.js';

function call(started: number, took: number) {
  return { op: 'get', started, took, code: 'TIMEOUT', deadlineMs: 1000 };
}

/** Holds the event loop for `ms` in one of two ways; returns when it was held. */
function hold(ms: number, how: 'off-cpu' | 'busy'): { from: number; to: number; cpu: number } {
  const cpuBefore = process.cpuUsage();
  const from = performance.now();
  // Atomics.wait parks the thread without using the CPU, as when the machine does not schedule the process.
  if (how === 'off-cpu') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  else while (performance.now() - from < ms) Math.sqrt(from); // JS keeps the loop busy
  const to = performance.now();
  const { user, system } = process.cpuUsage(cpuBefore);
  return { from, to, cpu: (user + system) / 1000 };
}

async function measured(ms: number, how: 'off-cpu' | 'busy') {
  const holds = new LoopHolds();
  holds.start();
  await sleep(30);
  const held = hold(ms, how);
  await sleep(30);
  holds.stop();
  return { holds, ...held };
}

describe('late calls (the chaos invariant "no call past its deadline")', () => {
  it('a hold while the process was off the CPU is measured as descheduled', async () => {
    const { holds, from, to } = await measured(150, 'off-cpu');
    expect(holds.longest()).toBeGreaterThan(120);
    expect(holds.descheduledWithin(from, to)).toBeGreaterThan(120);
    expect(holds.descheduledWithin(to + 1, to + 20)).toBe(0);
  });

  it('a hold by a busy event loop is a hold, but only the time the machine took the CPU away is descheduled', async () => {
    const { holds, from, to, cpu } = await measured(150, 'busy');
    expect(holds.longest()).toBeGreaterThan(120);
    // On a quiet machine about 0; on a loaded one, whatever share of the busy loop ran off the CPU.
    expect(Math.abs(holds.descheduledWithin(from, to) - Math.max(0, to - from - cpu))).toBeLessThan(25);
  });

  it('a tick tells the descheduled part of a hold from the CPU time between ticks', () => {
    const holds = new LoopHolds();
    holds.tick(0, 0);
    holds.tick(10, 5); // on time
    holds.tick(80, 15); // 60 ms late, 10 ms of CPU over 70 ms: 60 ms off the CPU
    holds.tick(150, 75); // 60 ms late, 60 ms of CPU over 70 ms: 10 ms off the CPU
    expect(holds.holds).toEqual([
      { from: 20, to: 80, descheduled: 60 },
      { from: 90, to: 150, descheduled: 10 },
    ]);
  });

  it('counts a call late by what exceeds the time this process was descheduled after its deadline was due', () => {
    const holds = new LoopHolds();
    holds.holds.push({ from: 11_000, to: 11_128, descheduled: 128 }); // off the CPU as the first call's deadline was due
    holds.holds.push({ from: 31_000, to: 31_128, descheduled: 0 }); // a busy loop as the fifth call's was
    const log = new CallLog();
    log.calls.push(call(10_000, 1128)); // late only by the time off the CPU: not late
    log.calls.push(call(20_000, 1128)); // as late, with no hold: late
    log.calls.push(call(10_000, 3000)); // the deadline was not enforced; the hold does not excuse 1.9 s
    log.calls.push(call(10_050, 1090)); // within deadline + slack anyway
    log.calls.push(call(30_000, 1128)); // late by a busy event loop: late
    expect(log.pastDeadline().map((c) => [c.started, c.took])).toEqual([
      [10_000, 1128],
      [20_000, 1128],
      [10_000, 3000],
      [30_000, 1128],
    ]);
    expect(log.late(holds).map((c) => [c.started, c.took])).toEqual([
      [20_000, 1128],
      [10_000, 3000],
      [30_000, 1128],
    ]);
  });

  it('a hold before the deadline was due excuses nothing', () => {
    const holds = new LoopHolds();
    holds.holds.push({ from: 10_500, to: 10_700, descheduled: 200 });
    const log = new CallLog();
    log.calls.push(call(10_000, 1200));
    expect(log.late(holds)).toHaveLength(1);
  });
});
