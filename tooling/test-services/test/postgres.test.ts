import { randomUUID } from 'node:crypto';

import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveService } from '../src/index.js';

// Resolved at load time: a missing service fails this file (with instructions), it never skips.
const info = await resolveService('postgres');

describe('postgres (real server)', () => {
  let sql: postgres.Sql;
  const table = `smoke_${randomUUID().replaceAll('-', '')}`;

  beforeAll(async () => {
    sql = postgres(info.url, { max: 2, onnotice: () => {} });
  });

  afterAll(async () => {
    if (sql === undefined) return;
    await sql`drop table if exists ${sql(table)}`;
    await sql.end({ timeout: 5 });
  });

  it('is PostgreSQL 15 or newer', async () => {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version_num') as v`;
    expect(Number(row!.v)).toBeGreaterThanOrEqual(150000);
  });

  it('round-trips rows through create table / insert / select, with a rolled-back transaction', async () => {
    await sql`create table ${sql(table)} (id int primary key, body jsonb not null, at timestamptz not null default now())`;
    await sql`insert into ${sql(table)} ${sql([
      { id: 1, body: sql.json({ name: 'one' }) },
      { id: 2, body: sql.json({ name: 'two', tags: ['a', 'b'] }) },
    ])}`;

    await expect(
      sql.begin(async (tx) => {
        await tx`insert into ${sql(table)} (id, body) values (3, ${tx.json({ name: 'three' })})`;
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');

    // primary key enforced by the server
    await expect(sql`insert into ${sql(table)} (id, body) values (1, '{}')`).rejects.toMatchObject({ code: '23505' });

    const rows = await sql<{ id: number; name: string }[]>`
      select id, body->>'name' as name from ${sql(table)} order by id`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
  });
});
