import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { crashServer, stallServer, startPrivatePostgres, startPrivateRedis, type PrivateServer } from '../src/index.js';
import { isAlive, isRunning } from '../src/faults/signals.js';

const servers: PrivateServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe('fault helpers', () => {
  it('refuse to fault a process whose pid file is not in a private server directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sanctum-not-private-'));
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'server.pid'), `${child.pid}\n`);
      expect(() => stallServer(join(dir, 'server.pid'))).toThrow(/refusing to fault/);
      await expect(crashServer(join(dir, 'server.pid'))).rejects.toThrow(/shared rig servers must never be faulted/);
      expect(isAlive(child.pid!)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stall, resume, crash and restart a private durable PostgreSQL; committed rows survive the crash', async () => {
    const pg = await startPrivatePostgres();
    servers.push(pg);
    const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    try {
      await sql`create table durable (id int primary key)`;
      const [settings] = await sql`select current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc`;
      expect(settings).toEqual({ fsync: 'on', sc: 'on' });

      pg.stall();
      const stalled = await Promise.race([sql`select 1`.then(() => 'answered'), new Promise((r) => setTimeout(() => r('stalled'), 500))]);
      expect(stalled).toBe('stalled');
      pg.resume();
      await sql`select 1`;

      await sql`insert into durable select generate_series(1, 100)`;
      const before = pg.pid();
      await pg.crash();
      // Dead: gone, or a zombie this process has not reaped yet (Node reaps its children on the
      // event loop, so right after the crash the pid may still answer signal 0).
      expect(isRunning(before)).toBe(false);
      await pg.restart();
      expect(pg.pid()).not.toBe(before);
      const rows = await sql`select count(*)::int as n from durable`;
      expect(rows[0]?.n).toBe(100);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('crash and restart a private Redis with appendfsync always; acknowledged writes survive', async () => {
    const redis = await startPrivateRedis();
    servers.push(redis);
    const write = createClient({ url: redis.url });
    await write.connect();
    expect(await write.configGet('appendfsync')).toEqual({ appendfsync: 'always' });
    for (let i = 0; i < 50; i++) await write.xAdd('durable', '*', { i: String(i) });
    write.destroy();
    await redis.crash();
    await redis.restart();
    const read = createClient({ url: redis.url });
    await read.connect();
    expect(await read.xLen('durable')).toBe(50);
    read.destroy();
  });
});
