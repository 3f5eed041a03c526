import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, json } from '../support/run.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const memory = ['--config', fixture('memory.json')];

describe('exit codes (README "Exit codes"), no servers needed', () => {
  it('3: a command that needs a config without --config or SANCTUM_STORAGE_CONFIG', async () => {
    const run = await cli(['health'], { env: { SANCTUM_STORAGE_CONFIG: undefined } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('pass --config FILE or set SANCTUM_STORAGE_CONFIG');
  });

  it('SANCTUM_STORAGE_CONFIG names the config when --config is absent', async () => {
    const run = await cli(['--json', 'health'], { env: { SANCTUM_STORAGE_CONFIG: fixture('memory.json') } });
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ ok: true, adapters: { 'record:memory': { ok: true }, 'blob:memory': { ok: true }, 'stream:memory': { ok: true } } });
  });

  it('3: secrets written in the config file are refused, each path named, no value echoed', async () => {
    const run = await cli(['--json', '--config', fixture('secret-in-file.json'), 'health']);
    expect(run.code).toBe(3);
    const doc = json(run) as { ok: boolean; error: { code: string; message: string; exitCode: number } };
    expect(doc.error.code).toBe('CONFIG_INVALID');
    expect(doc.error.exitCode).toBe(3);
    expect(doc.error.message).toContain('adapters.s3.options.secretKey: a secret written in the config file');
    expect(doc.error.message).toContain('adapters.pg.options.url: the URL carries a password');
    expect(run.stdout + run.stderr).not.toContain('do-not-commit-me');
    expect(run.stdout + run.stderr).not.toContain('hunter2');
  });

  it('3: an unset $env variable is named, with how to fix it', async () => {
    const run = await cli(['--config', fixture('env-refs.json'), 'records', 'get', 'users', 'k'], { env: { CLI_TEST_PG_URL: undefined } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('adapters.pg.options.url: environment variable CLI_TEST_PG_URL is not set');
  });

  it('6: an unreachable backend (refused connection) is UNAVAILABLE', async () => {
    const run = await cli(['--json', '--config', fixture('env-refs.json'), '--timeout-ms', '5000', 'records', 'get', 'users', 'k'], {
      env: { CLI_TEST_PG_URL: 'postgres://postgres@127.0.0.1:1/none' },
    });
    expect(run.code).toBe(6);
    expect((json(run) as { error: { code: string } }).error.code).toMatch(/^(UNAVAILABLE|TIMEOUT)$/);
  });

  it('1: health with an adapter down', async () => {
    const run = await cli(['--json', '--config', fixture('env-refs.json'), 'health'], { env: { CLI_TEST_PG_URL: 'postgres://postgres@127.0.0.1:1/none' } });
    expect(run.code).toBe(1);
    const doc = json(run) as { ok: boolean; adapters: Record<string, { ok: boolean }> };
    expect(doc.ok).toBe(false);
    expect(doc.adapters['record:pg']?.ok).toBe(false);
  });

  it('4: a missing record; 4: removing an absent object', async () => {
    const get = await cli([...memory, '--json', 'records', 'get', 'users', 'nobody']);
    expect(get.code).toBe(4);
    expect((json(get) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const rm = await cli([...memory, '--json', 'blob', 'rm', 'media', 'nothing']);
    expect(rm.code).toBe(4);
    expect(json(rm)).toEqual({ namespace: 'media', key: 'nothing', deleted: false });
  });

  it('5: a conditional write that loses', async () => {
    const run = await cli([...memory, '--json', 'records', 'put', 'users', 'k', '{"a":1}', '--if-match', 'stale']);
    expect(run.code).toBe(5);
    expect((json(run) as { error: { code: string } }).error.code).toBe('PRECONDITION_FAILED');
  });

  it('2: bad arguments — an unknown namespace, invalid JSON value, a bad option value', async () => {
    const ns = await cli([...memory, '--json', 'records', 'get', 'nope', 'k']);
    expect(ns.code).toBe(2);
    expect((json(ns) as { error: { message: string } }).error.message).toContain('no record namespace "nope"');
    expect((json(ns) as { error: { message: string } }).error.message).toContain('record namespaces: users');
    const value = await cli([...memory, 'records', 'put', 'users', 'k', '{broken']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('the VALUE argument is not valid JSON');
    const limit = await cli([...memory, '--json', 'records', 'ls', 'users', '--limit', '-3']);
    expect(limit.code).toBe(2);
    expect((json(limit) as { error: { code: string } }).error.code).toBe('USAGE');
  });

  it('2: a blob put of a file that does not exist', async () => {
    const run = await cli([...memory, 'blob', 'put', 'media', 'k', 'no-such-file.bin']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read no-such-file.bin: no such file');
  });

  it('--json output of every command parses (embedded stores)', async () => {
    const commands: Array<[string[], number]> = [
      [['health'], 0],
      [['records', 'put', 'users', 'k', '{"a":1}'], 0],
      [['records', 'ls', 'users'], 0],
      [['records', 'rm', 'users', 'k'], 4],
      [['blob', 'put', 'media', 'k', fixture('good.json')], 0],
      [['blob', 'ls', 'media'], 0],
      [['blob', 'get', 'media', 'k'], 4],
      [['blob', 'presign', 'media', 'k'], 1],
      [['stream', 'publish', 'events', '{"n":1}', '--key', 'a'], 0],
      [['stream', 'tail', 'events', '--for-ms', '300'], 0],
      [['migrate', 'status'], 2],
      [['config', 'validate', fixture('memory.json')], 0],
    ];
    for (const [args, code] of commands) {
      const run = await cli([...memory, '--json', ...args]);
      expect(run.code, args.join(' ')).toBe(code);
      const lines = run.stdout.trim().split('\n');
      for (const line of lines) expect(() => JSON.parse(line), `${args.join(' ')}: ${line}`).not.toThrow();
    }
  }, 240_000);

  it('config validate checks every installed adapter\'s options and names unknown adapters', async () => {
    const run = await cli(['--json', 'config', 'validate', fixture('bad-adapter-options.json')], { env: { CLI_TEST_SECRET: 'x' } });
    expect(run.code).toBe(1);
    const paths = (json(run) as { issues: Array<{ path: string; message: string }> }).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['adapters.s3.options.partSize', 'adapters.redis.options.url', 'adapters.kafka.options.brokers', 'adapters.weird.use', 'caches.l2.options.url']),
    );
  });
});
