import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { SERVICE_ENV_KEYS, parseEnvFile, resolveService, resolveServiceUncached, servicesEnv, type ServiceName } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'sanctum-test-services-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('resolveService lookup order and errors', () => {
  it('parses KEY=VALUE lines, comments and quotes', () => {
    expect(parseEnvFile('# c\nA=1\n\nexport B="two words"\nC=x=y\n')).toEqual({ A: '1', B: 'two words', C: 'x=y' });
  });

  it('reads .services.env from a parent directory and prefers explicit env vars', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const repo = join(root, 'repo');
      mkdirSync(join(repo, 'packages', 'x'), { recursive: true });
      writeFileSync(
        join(repo, '.services.env'),
        `STORAGE_TEST_REDIS_URL=redis://127.0.0.1:${port}\nSTORAGE_TEST_S3_ENDPOINT=127.0.0.1\nSTORAGE_TEST_S3_PORT=${port}\n` +
          'STORAGE_TEST_S3_USE_SSL=false\nSTORAGE_TEST_S3_ACCESS_KEY=a\nSTORAGE_TEST_S3_SECRET_KEY=b\nSTORAGE_TEST_S3_REGION=us-east-1\n',
      );
      const cwd = join(repo, 'packages', 'x');
      const fromFile = await resolveServiceUncached('redis', { cwd, env: {}, testcontainers: false });
      expect(fromFile).toMatchObject({ name: 'redis', url: `redis://127.0.0.1:${port}`, source: 'env-file' });
      const s3 = await resolveServiceUncached('s3', { cwd, env: {}, testcontainers: false });
      expect(s3).toMatchObject({ endPoint: '127.0.0.1', port, useSSL: false, region: 'us-east-1', url: `http://127.0.0.1:${port}` });

      const fromEnv = await resolveServiceUncached('redis', {
        cwd,
        env: { STORAGE_TEST_REDIS_URL: `redis://localhost:${port}` },
        testcontainers: false,
      });
      expect(fromEnv).toMatchObject({ url: `redis://localhost:${port}`, source: 'env' });
    } finally {
      server.close();
    }
  });

  it('fails (never skips) with how-to-start instructions when the service is missing', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(resolveServiceUncached('kafka', { cwd: empty, env: {}, testcontainers: false })).rejects.toThrow(
      /STORAGE_TEST_KAFKA_BROKERS is not set.*pnpm services:up/s,
    );
  });

  it('reports a stale .services.env (servers stopped) instead of timing out later', async () => {
    const stale = join(root, 'stale');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, '.services.env'), `STORAGE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:${await closedPort()}/x\n`);
    await expect(resolveServiceUncached('postgres', { cwd: stale, env: {}, testcontainers: false })).rejects.toThrow(
      /not reachable.*probably stale.*pnpm services:up/s,
    );
  });

  it('servicesEnv maps the rig\'s resolved services back to the env contract: every key, and a round trip', async () => {
    const names: ServiceName[] = ['postgres', 'redis', 's3', 'kafka'];
    const env = await servicesEnv(names);
    expect(Object.keys(env).sort()).toEqual(names.flatMap((name) => SERVICE_ENV_KEYS[name]).sort());
    for (const name of names) {
      const { source: _from, envFile: _file, ...again } = (await resolveServiceUncached(name, { env, cwd: root, testcontainers: false })) as unknown as Record<string, unknown>;
      const { source: _source, envFile: _envFile, ...resolved } = (await resolveService(name)) as unknown as Record<string, unknown>;
      expect(again).toEqual(resolved);
    }
    expect(await servicesEnv(['redis'])).toEqual({ STORAGE_TEST_REDIS_URL: env['STORAGE_TEST_REDIS_URL'] });
  });
});
