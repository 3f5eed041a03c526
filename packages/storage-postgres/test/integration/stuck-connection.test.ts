/**
 * The real driver against a connection that never becomes ready: a TCP listener that accepts and
 * never answers the startup message (as a server restarting under a client can leave a postgres.js
 * connection). Statements routed there are queued inside postgres.js; when their deadline fires the
 * driver drops them itself (a 57014 of its own making). The pool must then replace that connection,
 * or every later statement routed to it — such as the breaker's single half-open probe — times out
 * the same way, for ever.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/connection.js';
import { poolExecutor } from '../../src/executor.js';
import { Lanes } from '../../src/lanes.js';
import { resolveOptions } from '../../src/options.js';
import type { Statement } from '../../src/sql/compile.js';
import { databaseUrl } from './support.js';

const statement = { text: 'select 1 as one', bind: () => [] } as unknown as Statement<object, { one: number }>;
const context = { operation: 'records.get', namespace: 'n' };
const logger = { log: () => undefined };

let blackHole: Server;
const sockets = new Set<Socket>();
let port = 0;

beforeAll(async () => {
  blackHole = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  port = (blackHole.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackHole.close(resolve));
});

describe('a pool connection that never becomes ready (real postgres.js)', () => {
  it('a statement queued on it ends by its deadline, and the connection is replaced by one that works', async () => {
    const url = await databaseUrl();
    const stuck = createClient(resolveOptions({ url: `postgres://u@127.0.0.1:${String(port)}/db`, connectTimeoutMs: 30_000 }), logger, 1);
    const lanes = new Lanes([stuck], 1, () => createClient(resolveOptions({ url }), logger, 1));
    const executor = poolExecutor(lanes);
    try {
      const started = performance.now();
      const error = await executor.run(statement, {}, context, AbortSignal.timeout(300)).then(
        () => undefined,
        (e: unknown) => e,
      );
      const took = performance.now() - started;
      expect(error).toMatchObject({ code: 'TIMEOUT' });
      expect(took).toBeLessThan(1000);
      expect(lanes.discarded).toBe(1);
      expect(lanes.lanes[0]!.client).not.toBe(stuck);
      // The next statement goes to the fresh connection and is answered.
      expect(await executor.run(statement, {}, context, AbortSignal.timeout(5000))).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all(lanes.lanes.map((lane) => lane.client.end({ timeout: 0 })));
      await stuck.end({ timeout: 0 });
    }
  });
});
