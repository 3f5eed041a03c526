import { describe, expect, it } from 'vitest';
import { leakScan, producedBy } from '../support/leak-scan.js';

describe('leak scan (memory adapters)', () => {
  it('with redaction on, no key, principal, configured value or secret appears in any output', async () => {
    const hits = await leakScan({ suffix: 'on', redaction: true });
    expect(producedBy(hits)).toMatchObject({ logs: expect.any(Number), deadLetters: 1 });
    expect(producedBy(hits).logs).toBeGreaterThan(5);
    expect(producedBy(hits).audit).toBeGreaterThan(3);
    expect(producedBy(hits).errors).toBeGreaterThan(5);
    expect(hits).toEqual([]);
  });

  it('with redaction off, the same scan finds them (so the scan can fail)', async () => {
    const hits = await leakScan({ suffix: 'off', redaction: false });
    const found = new Set(hits.map((h) => h.planted));
    for (const planted of ['key', 'failingKey', 'tenant', 'ssn', 'alice', 'mallory', 'secret'] as const) expect(found).toContain(planted);
    const places = new Set(hits.map((h) => h.place.replace(/\[.*$/, '')));
    for (const place of ['log', 'span', 'audit', 'error', 'dead-letter']) expect(places).toContain(place);
  });
});
