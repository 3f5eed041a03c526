import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The CommonJS driver modules a fresh process has loaded after importing `entry`. */
function driversLoadedBy(entry: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(entry)});
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const drivers = ['kafkajs', '@redis/client'].filter((name) => cache.some((file) => file.includes('/node_modules/' + name + '/') || file.includes('/' + name.replace('/', '+') + '@')));
    process.stdout.write(JSON.stringify(drivers));
  `;
  const out = execFileSync(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('entry points', () => {
  it('importing @sanctum/storage-stream/redis never loads kafkajs, and /kafka never loads redis', () => {
    expect(driversLoadedBy('@sanctum/storage-stream/redis')).toEqual(['@redis/client']);
    expect(driversLoadedBy('@sanctum/storage-stream/kafka')).toEqual(['kafkajs']);
  });
});
