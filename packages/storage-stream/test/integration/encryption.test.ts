import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveService } from '@sanctum/test-services';
import { createStorageClient, localKeyring, type StorageClient } from '@sanctum/storage-core';
import { redisStreams } from '../../src/redis/index.js';
import { kafkaStreams } from '../../src/kafka/index.js';
import { MOCK_TUNING } from '../support/kafka.js';

// Issue 14: stream entries (Redis) and messages (Kafka) of an encrypted namespace carry
// ciphertext only; subscribers get the plaintext. Checked by reading the raw entries back.
const { url } = await resolveService('redis');
const { brokers } = await resolveService('kafka');
const MARKER = `PLANTED-${randomBytes(6).toString('hex')}`;
const keys = localKeyring({ keys: { k1: randomBytes(32) } });
const clients: StorageClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

function client(adapter: Record<string, unknown>, factory: ReturnType<typeof redisStreams> | ReturnType<typeof kafkaStreams>): StorageClient {
  const made = createStorageClient(
    {
      schemaVersion: 1,
      adapters: { s: adapter },
      namespaces: {
        secret: { kind: 'stream', adapter: 's', encryption: { keyId: 'k1' } },
        plain: { kind: 'stream', adapter: 's' },
      },
    },
    { adapters: [factory], keys },
  );
  clients.push(made);
  return made;
}

describe('stream payload encryption on real servers', () => {
  it('Redis Streams: raw XRANGE of the encrypted stream holds no marker; the plain one does; consumers get plaintext', async () => {
    const keyPrefix = `test:enc:${randomUUID()}:`;
    const storage = client({ use: 'redis-streams', options: { url, keyPrefix } }, redisStreams());
    for (const ns of ['secret', 'plain']) {
      for (let i = 0; i < 5; i++) await storage.streams<{ ssn: string }>(ns).publish({ ssn: MARKER }, { key: `k${i}` });
    }
    const redis = createClient({ url });
    await redis.connect();
    const hits: Record<string, number> = {};
    try {
      for (const ns of ['secret', 'plain']) {
        const entries = await redis.sendCommand<unknown[]>(['XRANGE', `${keyPrefix}${ns}`, '-', '+']);
        expect(entries.length).toBe(5);
        hits[ns] = entries.filter((entry) => JSON.stringify(entry).includes(MARKER) || Buffer.from(JSON.stringify(entry)).includes(MARKER)).length;
      }
    } finally {
      redis.destroy();
    }
    expect(hits).toEqual({ secret: 0, plain: 5 });
    const got: unknown[] = [];
    const sub = await storage.streams<{ ssn: string }>('secret').subscribe('g', async (m) => void got.push(m.payload), { from: 'earliest' });
    const deadline = Date.now() + 10_000;
    while (got.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    expect(got).toEqual(Array.from({ length: 5 }, () => ({ ssn: MARKER })));
  });

  it('Kafka (librdkafka mock): raw messages of the encrypted topic hold no marker; the plain topic does', async () => {
    const topicPrefix = `enc-${randomBytes(4).toString('hex')}-`;
    const storage = client({ use: 'kafka', options: { brokers, topicPrefix, ...MOCK_TUNING } }, kafkaStreams());
    for (const ns of ['secret', 'plain']) {
      for (let i = 0; i < 3; i++) await storage.streams<{ ssn: string }>(ns).publish({ ssn: MARKER }, { key: `k${i}` });
    }
    const kafka = new Kafka({ brokers: [...brokers], clientId: 'enc-scan', logLevel: logLevel.NOTHING });
    const hits: Record<string, number> = {};
    for (const ns of ['secret', 'plain']) {
      const consumer = kafka.consumer({ groupId: `scan-${randomUUID()}`, sessionTimeout: MOCK_TUNING.sessionTimeoutMs, rebalanceTimeout: MOCK_TUNING.rebalanceTimeoutMs, heartbeatInterval: MOCK_TUNING.heartbeatIntervalMs, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic: `${topicPrefix}${ns}`, fromBeginning: true });
      const raw: Buffer[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void raw.push(Buffer.concat([message.value ?? Buffer.alloc(0), ...Object.values(message.headers ?? {}).map((v) => Buffer.from(String(v)))])) });
      const deadline = Date.now() + 30_000;
      while (raw.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await consumer.disconnect();
      expect(raw.length).toBe(3);
      hits[ns] = raw.filter((b) => b.includes(MARKER)).length;
    }
    expect(hits).toEqual({ secret: 0, plain: 3 });
  });
});
