import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, BIN, cli } from '../support/run.js';
import { haveTmux, TmuxRun } from '../support/tmux.js';

const memory = fileURLToPath(new URL('./fixtures/memory.json', import.meta.url));
// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const SGR = /\u001b\[[0-9;]*m/;
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const command = (env: string, ...args: string[]) => `env -u FORCE_COLOR ${env} ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`;

let dir: string;
let file: string;

beforeAll(async () => {
  if (!haveTmux()) throw new Error('tmux is missing: `pnpm --filter @sanctum/demo-cli test` installs it (tooling/load/bin/ensure-apt.sh); or apt-get install tmux');
  dir = await mkdtemp(join(tmpdir(), 'sanctum-cli-tty-'));
  file = join(dir, 'payload.bin');
  await writeFile(file, randomBytes(24 << 20));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('on a terminal (tmux pseudo-terminal)', () => {
  it('blob put shows a progress bar with bytes, rate and ETA', async () => {
    const tty = await TmuxRun.start(command('', '-c', memory, 'blob', 'put', 'media', 'big.bin', file));
    try {
      const screen = await tty.waitFor(/EXIT=\d+/);
      expect(screen).toContain('EXIT=0');
      // e.g. "put [====================] 100% 24.0 MiB/24.0 MiB 61.2 MiB/s ETA 00:00"
      expect(screen).toMatch(/put \[=+\] 100% 24\.0 MiB\/24\.0 MiB [\d.]+ (B|KiB|MiB|GiB)\/s ETA \d\d:\d\d/);
      expect(screen).toContain('put media/big.bin: 24.0 MiB');
    } finally {
      await tty.close();
    }
  });

  it('colours the health verdict', async () => {
    const tty = await TmuxRun.start(command('', '-c', memory, 'health'));
    try {
      const screen = await tty.waitFor(/EXIT=\d+/);
      const verdict = screen.split('\n').find((line) => line.includes('healthy'));
      expect(verdict).toBeDefined();
      expect(verdict).toMatch(SGR);
    } finally {
      await tty.close();
    }
  });

  it('uses no colour with NO_COLOR set, even on a terminal', async () => {
    const tty = await TmuxRun.start(command('NO_COLOR=1', '-c', memory, 'health'));
    try {
      const screen = await tty.waitFor(/EXIT=\d+/);
      const verdict = screen.split('\n').find((line) => line.includes('healthy'));
      expect(verdict).toBeDefined();
      expect(verdict).not.toMatch(SGR);
      expect(screen.split('\n').filter((l) => l.includes('memory')).join('\n')).not.toMatch(SGR);
    } finally {
      await tty.close();
    }
  });
});

describe('piped (not a terminal)', () => {
  it('blob put prints no progress bar and no escape sequences', async () => {
    const run = await cli(['-c', memory, 'blob', 'put', 'media', 'big.bin', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('put media/big.bin: 24.0 MiB, etag ' + run.stdout.slice(run.stdout.lastIndexOf(' ') + 1));
    expect(run.stdout).not.toMatch(ANSI);
  });

  it('health prints no colour', async () => {
    const run = await cli(['-c', memory, 'health']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('healthy');
    expect(run.stdout).not.toMatch(ANSI);
  });
});
