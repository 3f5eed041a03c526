import { createClient, RESP_TYPES } from 'redis';
import { resolveService } from '@sanctum/test-services';
import { createRedisCacheStore } from '../src/index.js';
import { encodeEntry } from '../src/codec.js';
const { url } = await resolveService('redis');
const WINDOW_MS = 600, ROUNDS = Number(process.env['R'] ?? 9);
const tm = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
const raw = createClient({ url, commandOptions: tm }); await raw.connect();
const like = createClient({ url, disableOfflineQueue: true, commandOptions: tm, pingInterval: 333, socket: { socketTimeout: 1000 } }); await like.connect();
const value = { id: 'u-42', name: 'Ada Lovelace', bio: 'x'.repeat(900), tags: ['a', 'b', 'c'], active: true, score: 0.75 };
await raw.set('exp:users\u0000u1', encodeEntry({ value, version: 1, etag: 'e1', storedAt: Date.now() }, 0));
const store = createRedisCacheStore({ url, keyPrefix: 'exp:' }); await store.open();
async function ops(op: () => Promise<unknown>) { let n = 0; const end = performance.now() + WINDOW_MS; const s = performance.now(); while (performance.now() < end) { await op(); n++; } return n * 1000 / (performance.now() - s); }
const med = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1]!;
const sides: Record<string, () => Promise<unknown>> = { raw: () => raw.get('exp:users\u0000u1'), like: () => like.get('exp:users\u0000u1'), store: () => store.get('users\u0000u1') };
const res: Record<string, number[]> = { like: [], store: [] };
for (const s of Object.values(sides)) await ops(s);
for (let r = 0; r < ROUNDS; r++) { const base = await ops(sides.raw!); const a = await ops(sides.like!); const b = await ops(sides.store!); const base2 = await ops(sides.raw!); const m = (base + base2) / 2; res.like!.push(a / m); res.store!.push(b / m); }
console.log('like/raw', med(res.like!).toFixed(3), 'store/raw', med(res.store!).toFixed(3));
process.exit(0);
