import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ANSI, cli as run, json } from '../support/run.js';

const cli = (...args: string[]) => run(args);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

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
    expect(run.stderr).toContain("missing required argument 'file'");
  });
});

describe('sanctum-storage usage', () => {
  it('prints help with --help and exits 0, listing the commands and the exit codes', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: sanctum-storage [options] [command]');
    for (const command of ['demo', 'health', 'migrate', 'blob', 'records', 'stream', 'config']) expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).not.toMatch(ANSI);
  });

  it('prints the package version with --version', async () => {
    const run = await cli('--version');
    expect(run).toEqual({ code: 0, stdout: '0.0.0\n', stderr: '' });
  });

  it('exits 2 for an unknown command, suggesting the closest one', async () => {
    const run = await cli('heath');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("unknown command 'heath'");
    expect(run.stderr).toContain('health');
  });

  it('prints usage and exits 2 without a command', async () => {
    const run = await cli();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: sanctum-storage');
  });

  it('demo --json prints one document with every step', async () => {
    const run = await cli('--json', 'demo');
    expect(run.code).toBe(0);
    const doc = json(run) as { ok: boolean; steps: Array<{ step: number; title: string; fields: Record<string, string> }> };
    expect(doc.ok).toBe(true);
    expect(doc.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(doc.steps[2]!.fields['error code']).toBe('PRECONDITION_FAILED');
  });

  it('config validate --json lists the issues as data', async () => {
    const run = await cli('--json', 'config', 'validate', fixture('bad.json'));
    expect(run.code).toBe(1);
    const doc = json(run) as { ok: boolean; issues: Array<{ path: string; message: string }> };
    expect(doc.ok).toBe(false);
    expect(doc.issues).toHaveLength(7);
  });
});
