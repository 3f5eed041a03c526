import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type StorageError } from '@sanctum/storage-core';
import { startPrivatePostgres, type PrivateServer } from '@sanctum/test-services';
import { migrateUp, postgresRecords } from '../../src/index.js';

// A private server that asks for a SCRAM-SHA-256 password on TCP (the rig's shared one trusts every
// connection, so it cannot show what a wrong password does).
const PASSWORD = 'right-horse-battery';
const SCHEMA = 'sanctum_auth';
let server: PrivateServer;

beforeAll(async () => {
  server = await startPrivatePostgres({ password: PASSWORD });
  await migrateUp({ url: server.url, schema: SCHEMA });
});

afterAll(async () => {
  await server?.stop();
});

function withPassword(password: string): string {
  const url = new URL(server.url);
  url.password = encodeURIComponent(password);
  return url.toString();
}

function records(url: string, resilience: boolean) {
  const client = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { pg: { use: 'postgres', options: { url, schema: SCHEMA, poolSize: 2, connectTimeoutMs: 20_000 }, resilience: { enabled: resilience } } },
      namespaces: { users: { kind: 'record', adapter: 'pg' } },
    },
    { adapters: [postgresRecords()] },
  );
  return { client, users: client.records<{ n: number }>('users') };
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

describe('PostgreSQL password authentication', () => {
  it('the right password works', async () => {
    const { client, users } = records(server.url, false);
    try {
      await users.put('ada', { n: 1 });
      expect((await users.get('ada')).value).toEqual({ n: 1 });
    } finally {
      await client.close();
    }
  });

  for (const resilience of [false, true]) {
    it(`a wrong password is ACCESS_DENIED, not retryable, at once (resilience ${resilience ? 'on' : 'off'})`, async () => {
      const { client, users } = records(withPassword('wrong-password'), resilience);
      try {
        const started = performance.now();
        const error = await failure(users.get('ada'));
        const took = performance.now() - started;
        expect(error.code).toBe('ACCESS_DENIED');
        expect(error.retryable).toBe(false);
        expect(error.adapter).toBe('postgres');
        expect(error.message).toMatch(/authentication failed/);
        expect(JSON.stringify(error)).not.toContain('wrong-password');
        // The server answers a bad password in one round trip: nothing waits for connectTimeoutMs (20 s).
        console.log(`wrong password answered in ${took.toFixed(0)} ms`);
        expect(took).toBeLessThan(5_000);
        // Not retried, and the breaker does not count it: the next call is refused the same way.
        expect((await failure(users.get('ada'))).code).toBe('ACCESS_DENIED');
      } finally {
        await client.close();
      }
    });
  }
});
