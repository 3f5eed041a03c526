import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/sanctum-storage.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI the way its `bin` does, in a child process, from an unrelated working directory. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: fileURLToPath(new URL('./fixtures/', import.meta.url)), timeout: 25_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('sanctum-storage demo', () => {
  it('runs the tour on the embedded stores and exits 0', async () => {
    const run = await cli('demo');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    for (const heading of ['1. Create the client', '2. Blobs', '3. Records', '4. Streams', '5. Cache', '6. Health and shutdown']) {
      expect(lines.some((line) => line.startsWith(heading)), heading).toBe(true);
    }
    expect(run.stdout).toMatch(/size\s+\d+ bytes/);
    expect(run.stdout).toMatch(/sha256\s+[0-9a-f]{64}/);
    expect(run.stdout).toContain('checksum verified on read (matches a local SHA-256)');
    expect(run.stdout).toMatch(/error code\s+PRECONDITION_FAILED/);
    expect(run.stdout).toContain('(the conflicting write changed nothing)');
    expect(run.stdout).toContain('invoice 2 (delivery 1) -> handler threw');
    expect(run.stdout).toContain('invoice 2 (delivery 2) -> handled, acked');
    expect(run.stdout).toContain('3 of 3 acked');
    expect(run.stdout).toMatch(/read 1\s+cache miss/);
    expect(run.stdout).toMatch(/read 2\s+cache hit/);
    expect(run.stdout).toMatch(/health\s+ok/);
    expect(run.stdout).toContain('client closed');
  });
});

describe('sanctum-storage config validate', () => {
  it('prints OK for a valid config', async () => {
    const run = await cli('config', 'validate', fixture('good.json'));
    expect(run).toEqual({ code: 0, stdout: 'OK\n', stderr: '' });
  });

  it('lists every problem as path: message and exits 1', async () => {
    const run = await cli('config', 'validate', fixture('bad.json'));
    expect(run.code).toBe(1);
    const paths = run.stdout
      .trim()
      .split('\n')
      .map((line) => line.slice(0, line.indexOf(': ')));
    expect(paths.sort()).toEqual(
      [
        '(root)',
        'caches.hot.options.maxEntries',
        'caches.hot.options.ttlMs',
        'namespaces.events.maxInFlight',
        'namespaces.media.checksum',
        'namespaces.users.cache',
        'namespaces.users.consistency',
      ].sort(),
    );
    expect(run.stdout).toContain('namespaces.users.cache: cache "cold" is not defined under "caches"');
    expect(run.stderr).toContain('7 problems');
  });

  it('exits 2 with a clear message for a missing file', async () => {
    const run = await cli('config', 'validate', 'does-not-exist.json');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: cannot read does-not-exist.json: no such file\n');
  });

  it('exits 2 with a clear message for invalid JSON', async () => {
    const run = await cli('config', 'validate', fixture('broken.json'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*broken\.json is not valid JSON: /);
  });

  it('exits 2 with usage when FILE is missing', async () => {
    const run = await cli('config', 'validate');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing FILE');
    expect(run.stderr).toContain('Usage: sanctum-storage');
  });
});

describe('sanctum-storage usage', () => {
  it('prints help with --help and exits 0', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: sanctum-storage <command>');
    expect(run.stdout).toContain('config validate FILE');
  });

  it('prints usage and exits 2 for an unknown command', async () => {
    const run = await cli('frobnicate');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('error: unknown command: frobnicate');
    expect(run.stderr).toContain('Usage: sanctum-storage <command>');
  });

  it('prints usage and exits 2 without a command', async () => {
    const run = await cli();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: missing command');
  });
});
