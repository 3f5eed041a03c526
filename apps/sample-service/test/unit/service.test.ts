import { memoryCache } from '@sanctum/storage-cache-memory';
import { createChaosControl } from '@sanctum/storage-core';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_CONFIG } from '../../src/config.js';
import { startService } from '../../src/service.js';
import { exerciseService } from '../flow.js';

describe('sample service on the embedded default (no servers)', () => {
  it('serves profiles, avatars and events, and exposes their metrics', async () => {
    const service = await startService({ config: EMBEDDED_CONFIG, adapters: [memoryCache()] });
    try {
      await exerciseService(service, 'unit');
    } finally {
      await service.shutdown();
    }
  });

  it('graceful shutdown: not ready at once, the in-flight upload completes, new connections are refused', async () => {
    const service = await startService({ config: EMBEDDED_CONFIG, adapters: [memoryCache()] });
    // An upload whose body arrives slowly: in flight when shutdown starts.
    let push!: (chunk: Uint8Array | null) => void;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = (chunk) => (chunk === null ? c.close() : c.enqueue(chunk))) });
    const upload = fetch(`${service.url}/avatars/slow`, { method: 'PUT', body, headers: { 'content-length': '20000' }, duplex: 'half' } as RequestInit);
    push(new Uint8Array(10_000));
    await new Promise((r) => setTimeout(r, 200));
    const stopping = service.shutdown();
    const ready = await fetch(`${service.url}/readyz`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(ready);
    push(new Uint8Array(10_000));
    push(null);
    expect((await upload).status).toBe(201);
    await stopping;
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
  });

  it('takes a chaos control: injected UNAVAILABLE errors answer 503 until chaos is disabled', async () => {
    const chaos = createChaosControl();
    const service = await startService({ config: EMBEDDED_CONFIG, adapters: [memoryCache()], chaos });
    try {
      expect((await fetch(`${service.url}/events`, { method: 'POST', body: JSON.stringify({ subject: 'a' }) })).status).toBe(202);
      chaos.set({ enabled: true, errorRate: 1, errorCode: 'UNAVAILABLE' });
      const failed = await fetch(`${service.url}/events`, { method: 'POST', body: JSON.stringify({ subject: 'b' }) });
      expect(failed.status).toBe(503);
      chaos.disable();
      expect((await fetch(`${service.url}/events`, { method: 'POST', body: JSON.stringify({ subject: 'c' }) })).status).toBe(202);
    } finally {
      await service.shutdown();
    }
  });
});
