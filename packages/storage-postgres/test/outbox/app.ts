// Child process of the crash test: W workers run transactions that write a record and publish its
// event through the outbox; every 10th rolls back on purpose. Resumes after a SIGKILL from the
// progress records it wrote in the same transactions. Exits 0 once every worker reached `total`.
import { scenarioClient, parseScenario, type OrderEvent } from './setup.js';

const scenario = parseScenario(process.argv);
const total = Number(process.argv[3] ?? '2000');
const workers = Number(process.argv[4] ?? '4');
// Pause per transaction and worker (ms): keeps the app running long enough for the killer's turns
// on a fast, idle machine (without it, 1,000 transactions could finish before the fifth kill).
const paceMs = Number(process.argv[5] ?? '0');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keys = 40; // a multiple of `workers`: each key belongs to one worker, so its transactions are sequential
const client = await scenarioClient(scenario);
const orders = client.records('orders');

async function worker(w: number): Promise<void> {
  const progress = await orders.find(`progress/${String(w)}`);
  let i = progress === undefined ? w : (progress.value as { i: number }).i + workers;
  while (i < total) {
    const key = `k${String(i % keys)}`;
    const rollback = i % 10 === 7;
    try {
      await orders.transaction(async (tx) => {
        await tx.put(`o/${String(i)}`, { i, key });
        await tx.put(`progress/${String(w)}`, { i });
        await tx.streams<OrderEvent>('events').publish(rollback ? { i, key, rollback: true } : { i, key }, { key });
        if (rollback) throw new Error('rolled back on purpose');
      });
    } catch (error) {
      if (!rollback) throw error;
    }
    i += workers;
    if (paceMs > 0) await sleep(paceMs);
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
await client.close();
process.stdout.write('done\n');
