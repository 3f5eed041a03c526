/**
 * Child of bench/outbox.ts (latency part): the application. Runs `rate` transactions a second for
 * `seconds` — each writes a record and publishes through the outbox — and prints, as JSON lines,
 * when each transaction's commit resolved (epoch ms with sub-ms precision, the clock the parent's
 * consumer uses), then a summary line. A process of its own, as an application would be: its event
 * loop is not shared with the relay or the consumer.
 */
import type { OrderEvent } from '../test/outbox/setup.js';
import { parseScenario, scenarioClient } from '../test/outbox/setup.js';

const scenario = parseScenario(process.argv);
const rate = Number(process.argv[3]);
const seconds = Number(process.argv[4]);
const epochNow = () => performance.timeOrigin + performance.now();

const client = await scenarioClient(scenario);
const orders = client.records('orders');
const total = rate * seconds;
let pending: Array<[number, number]> = [];
const flush = () => {
  if (pending.length > 0) process.stdout.write(`${JSON.stringify({ commits: pending })}\n`);
  pending = [];
};
const flusher = setInterval(flush, 20);
const started = performance.now();
let behind = 0;
const inFlight = new Set<Promise<void>>();
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  else if (wait < -50) behind++;
  const payload: OrderEvent = { i, key: `k${String(i % 64)}` };
  const p: Promise<void> = orders
    .transaction(async (tx) => {
      await tx.put(`o/${String(i)}`, { i });
      await tx.streams<OrderEvent>('events').publish(payload, { key: payload.key });
    })
    .then(() => void pending.push([i, epochNow()]))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
  if (inFlight.size >= 128) await Promise.race(inFlight);
}
await Promise.all(inFlight);
const achieved = total / ((performance.now() - started) / 1000);
clearInterval(flusher);
flush();
process.stdout.write(`${JSON.stringify({ done: true, achieved, behind })}\n`);
await client.close();
