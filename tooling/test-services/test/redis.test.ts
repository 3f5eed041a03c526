import { randomUUID } from 'node:crypto';

import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveService } from '../src/index.js';

// Resolved at load time: a missing service fails this file (with instructions), it never skips.
const info = await resolveService('redis');

describe('redis (real server)', () => {
  let client: ReturnType<typeof createClient>;
  const stream = `smoke:stream:${randomUUID()}`;
  const group = 'smoke-group';

  beforeAll(async () => {
    client = createClient({ url: info.url });
    client.on('error', () => {}); // surfaced through the failing commands instead
    await client.connect();
  });

  afterAll(async () => {
    if (client?.isOpen) {
      await client.del(stream);
      await client.close();
    }
  });

  it('is Redis 7 or newer', async () => {
    const info = await client.info('server');
    const version = /redis_version:(\d+)/.exec(info)?.[1];
    expect(Number(version)).toBeGreaterThanOrEqual(7);
  });

  it('runs a consumer group through XADD / XGROUP CREATE / XREADGROUP / XACK', async () => {
    await client.xGroupCreate(stream, group, '0', { MKSTREAM: true });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await client.xAdd(stream, '*', { n: String(i), body: `message ${i}` }));

    const reply = await client.xReadGroup(group, 'consumer-1', { key: stream, id: '>' }, { COUNT: 10 });
    expect(reply).not.toBeNull();
    const messages = (reply as { name: string; messages: { id: string; message: Record<string, string> }[] }[])[0]!.messages;
    expect(messages.map((m) => m.id)).toEqual(ids);
    expect(messages.map((m) => m.message['body'])).toEqual(['message 0', 'message 1', 'message 2']);

    let pending = await client.xPending(stream, group);
    expect(pending.pending).toBe(3);

    expect(await client.xAck(stream, group, ids.slice(0, 2))).toBe(2);
    pending = await client.xPending(stream, group);
    expect(pending.pending).toBe(1);
    expect(pending.firstId).toBe(ids[2]);

    // nothing new for the group; the unacked entry is still redelivered from the PEL with id 0
    const again = await client.xReadGroup(group, 'consumer-1', { key: stream, id: '>' }, { COUNT: 10 });
    expect(again).toBeNull();
    const pel = await client.xReadGroup(group, 'consumer-1', { key: stream, id: '0' }, { COUNT: 10 });
    const pelMessages = (pel as { messages: { id: string }[] }[])[0]!.messages;
    expect(pelMessages.map((m) => m.id)).toEqual([ids[2]]);
  });
});
