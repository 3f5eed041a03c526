import { describe, expect, it } from 'vitest';
import { isStorageError } from '@sanctum/storage-core';
import { MIGRATIONS, checksumOf, render } from '../../src/migrations/catalog.js';
import { assertUnchanged, compareHistory } from '../../src/migrations/runner.js';
import { objectNames } from '../../src/names.js';

describe('migration catalog', () => {
  it('is numbered from 1 without gaps', () => {
    expect(MIGRATIONS.map((m) => m.id)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('keeps shipped migrations byte-for-byte: editing one fails here first', () => {
    // If this fails you edited a shipped migration. Revert it and add a new migration instead.
    expect(MIGRATIONS.map((m) => [m.id, m.name, checksumOf(m)])).toEqual([
      [1, 'records-table', '20d47c601982b51d6d6e1f75b59bad3640440928802786d64f586c32aab5c70d'],
      [2, 'put-many-guard', '20872b5738ef0482102bad22f19c162b5b5e1ca544c7688f8b8218dfb7d78fd2'],
      [3, 'worm-guard', '678052ba5bdcc0b16217b3eafefa50f12fda48ff8d7276a19cc170214c15daa5'],
      [4, 'outbox-table', '3cea0b48757201c612945451f5c07c8dd3398b5fb66a260b9b8c0485baa01717'],
    ]);
  });

  it('checksums ignore line-ending style and surrounding blank lines only', () => {
    const base = { id: 9, name: 'x', sql: 'SELECT 1;\nSELECT 2;' };
    expect(checksumOf({ ...base, sql: '\r\nSELECT 1;\r\nSELECT 2;\r\n' })).toBe(checksumOf(base));
    expect(checksumOf({ ...base, sql: 'SELECT 1;\nSELECT 3;' })).not.toBe(checksumOf(base));
  });

  it('renders placeholders as quoted, configured names', () => {
    const names = objectNames('s1', 't1');
    const sql = render({ id: 9, name: 'x', sql: 'x {{schema}} {{table}} {{putManyFail}} {{expiresIndex}}' }, names);
    expect(sql).toBe('x "s1" "s1"."t1" "s1"."t1_put_many_fail" "t1_expires_at_idx"');
    expect(() => render({ id: 9, name: 'x', sql: '{{nope}}' }, names)).toThrow('migration 9 uses an unknown placeholder {{nope}}');
    for (const migration of MIGRATIONS) expect(render(migration, names)).not.toContain('{{');
  });
});

describe('compareHistory', () => {
  const at = new Date(0);
  const row = (id: number, checksum?: string) => ({ id, name: `m${String(id)}`, checksum: checksum ?? checksumOf(MIGRATIONS[id - 1]!), applied_at: at });

  it('classifies applied, pending, changed and unknown migrations', () => {
    expect(compareHistory([])).toMatchObject({ current: false, applied: [], changed: [], unknown: [] });
    expect(compareHistory([row(1)]).pending.map((m) => m.id)).toEqual([2, 3, 4]);
    expect(compareHistory([row(1), row(2), row(3), row(4)]).current).toBe(true);
    const status = compareHistory([row(1, 'edited'), row(2), row(3), row(4), { id: 7, name: 'future', checksum: 'c', applied_at: at }]);
    expect(status.current).toBe(false);
    expect(status.changed).toEqual([{ id: 1, name: 'records-table', applied: 'edited', current: checksumOf(MIGRATIONS[0]!) }]);
    expect(status.unknown).toEqual([{ id: 7, name: 'future', checksum: 'c', appliedAt: at }]);
    let caught: unknown;
    try {
      assertUnchanged(status, 'migrations.up');
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'CONFIG_INVALID')).toBe(true);
    expect(() => assertUnchanged(compareHistory([row(1)]), 'x')).not.toThrow();
  });
});
