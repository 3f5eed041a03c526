import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_ID, connection, dropBucket, makeBucket } from './support.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const bucket = `${RUN_ID}-nominio`;

interface ChildReport {
  readonly resolved: number;
  readonly minio: readonly string[];
}

/** Runs test/fixtures/data-path-child.ts with every resolved module logged; resolves with its report. */
async function runChild(config: object): Promise<ChildReport> {
  const child = spawn(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', '--import', './test/fixtures/module-log.mjs', 'test/fixtures/data-path-child.ts'], {
    cwd: packageDir,
    env: { ...process.env, DATA_PATH_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  expect(exitCode).toBe(0);
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as ChildReport;
}

beforeAll(async () => {
  await makeBucket(bucket);
});

afterAll(async () => {
  await dropBucket(bucket);
});

// Importing minio costs a process about 38 MiB of RSS (issues 14 and 19): the adapter signs its own
// requests, and nothing on the data path may load minio again.
describe('the data path without minio', () => {
  it('opens, puts (one PUT and multipart), gets, heads, lists and deletes without loading minio', async () => {
    const report = await runChild({ options: { ...connection, bucket, prefix: 'nominio/' } });
    expect(report.resolved).toBeGreaterThan(10);
    expect(report.minio).toEqual([]);
  });

  it('would notice minio loaded (control run)', async () => {
    const report = await runChild({ options: {}, importFirst: 'minio' });
    expect(report.minio.length).toBeGreaterThan(0);
  });
});
