// Child process: a consumer of `events` in group argv[3] whose handler runs through the idempotent
// helper with atomic claims in PostgreSQL (`handled`); its effect is a record with a random key in
// `effects`, so a second run for one message id would leave two effect records.
import { randomUUID } from 'node:crypto';
import { idempotentHandler, recordClaims, type Message } from '@sanctum/storage-core';
import { scenarioClient, parseScenario, type OrderEvent } from './setup.js';

const scenario = parseScenario(process.argv);
const group = process.argv[3] ?? 'consumers';
const client = await scenarioClient(scenario);
const effects = client.records('effects');
const handle = idempotentHandler(
  async (message: Message<OrderEvent>) => {
    // Slow enough that duplicates overlap between the two processes.
    await new Promise((resolve) => setTimeout(resolve, 2));
    await effects.put(`e/${message.headers['idempotency-key'] ?? message.id}/${randomUUID()}`, { i: message.payload.i, by: process.pid });
  },
  { claims: recordClaims(client.records('handled')), leaseMs: 30_000 },
);
const subscription = await client.streams<OrderEvent>('events').subscribe(group, handle, { consumer: `c${String(process.pid)}`, maxInFlight: Number(process.argv[4] ?? '1') });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void subscription.close().then(() => client.close()).then(() => process.exit(0));
});
