import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { RunningService } from '../src/service.js';

/** The realistic flow every storage backend must serve: profiles, avatars, events, metrics. */
export async function exerciseService(service: RunningService, prefix: string): Promise<void> {
  const u = service.url;
  const id = `${prefix}-u1`;
  const put = await fetch(`${u}/profiles/${id}`, { method: 'PUT', body: JSON.stringify({ name: 'Ada', email: 'ada@example.org' }) });
  expect(put.status).toBe(200);
  const etag = put.headers.get('etag')!;
  const got = await fetch(`${u}/profiles/${id}`);
  expect(got.status).toBe(200);
  expect(await got.json()).toMatchObject({ name: 'Ada', email: 'ada@example.org' });
  const update = await fetch(`${u}/profiles/${id}`, { method: 'PUT', headers: { 'if-match': etag }, body: JSON.stringify({ name: 'Ada L.' }) });
  expect(update.status).toBe(200);
  const stale = await fetch(`${u}/profiles/${id}`, { method: 'PUT', headers: { 'if-match': etag }, body: JSON.stringify({ name: 'stale' }) });
  expect(stale.status).toBe(412);
  expect(await stale.json()).toMatchObject({ error: 'PRECONDITION_FAILED' });
  expect((await fetch(`${u}/profiles/${prefix}-nobody`)).status).toBe(404);
  expect((await fetch(`${u}/profiles/${id}`, { method: 'PUT', body: '{nope' })).status).toBe(400);

  const image = randomBytes(200_000);
  const up = await fetch(`${u}/avatars/${id}`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: image });
  expect(up.status).toBe(201);
  const down = await fetch(`${u}/avatars/${id}`);
  expect(down.status).toBe(200);
  expect(down.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await down.arrayBuffer()).equals(image)).toBe(true);

  expect((await fetch(`${u}/events`, { method: 'POST', body: JSON.stringify({ subject: id }) })).status).toBe(202);
  expect((await fetch(`${u}/readyz`)).status).toBe(200);
  expect(await (await fetch(`${u}/healthz`)).text()).toBe('ok');

  // The consumer handles the events the writes published (2 profile updates, 1 avatar, 1 custom).
  const deadline = Date.now() + 20_000;
  let text = '';
  for (;;) {
    text = await (await fetch(`${u}/metrics`)).text();
    const consumed = [...text.matchAll(/^sample_activity_consumed_total\{type="[^"]+"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    if (consumed >= 4 || Date.now() > deadline) {
      expect(consumed).toBeGreaterThanOrEqual(4);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(text).toMatch(/^http_requests_total\{route="\/profiles\/:id",method="PUT",code="412"\} 1$/m);
  expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="[^"]+",route="\/avatars\/:id",method="GET"\} \d+$/m);
  expect(text).toMatch(/^storage_requests_total\{namespace="profiles",kind="record",operation="put",adapter="[a-z-]+",outcome="ok"\} [1-9]/m);
  expect(text).toMatch(/^storage_cache_requests_total\{[^}]*namespace="profiles"[^}]*\} \d+/m);
}
