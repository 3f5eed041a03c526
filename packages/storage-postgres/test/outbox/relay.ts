// Child process of the crash test: one outbox relay until SIGTERM (SIGKILL is the crash).
import { runOutboxRelay } from '@sanctum/storage-core';
import { scenarioClient, parseScenario } from './setup.js';

const scenario = parseScenario(process.argv);
const client = await scenarioClient(scenario, { resilience: true });
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
process.stdout.write('ready\n');
await runOutboxRelay({ client, adapter: 'pg', batchSize: Number(process.argv[3] ?? '100'), idleMs: 10, signal: controller.signal, onError: (e) => process.stderr.write(`relay error: ${String(e)}\n`) });
await client.close();
