import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { releasePlan, unintendedMajors } from '../../scripts/check-changesets.mjs';
import { workspacePackages } from '../../scripts/pack-install.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const checkScript = join(root, 'tooling', 'scripts', 'check-changesets.mjs');
const copies: string[] = [];

/** A git repository holding only what changesets reads: manifests, workspace file, .changeset/. */
function copyOfRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'changeset-plant-'));
  copies.push(copy);
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(copy, file));
  cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
  for (const pkg of workspacePackages(root)) {
    const target = join(copy, relative(root, pkg.dir), 'package.json');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, JSON.stringify(pkg.manifest, null, 2));
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=check', '-c', 'user.email=check@example.invalid', ...args], { cwd: copy, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'copy');
  return copy;
}

function setCorePeerRange(copy: string, pkg: string, range: string): void {
  const file = join(copy, 'packages', pkg, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { peerDependencies: Record<string, string> };
  manifest.peerDependencies['@sanctum/storage-core'] = range;
  writeFileSync(file, JSON.stringify(manifest, null, 2));
}

afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

describe('changesets release plan', () => {
  it('plans no major for any package of this repository', () => {
    const plan = releasePlan(root);
    expect(plan.releases.length).toBeGreaterThan(0);
    expect(plan.releases.filter((r: { type: string }) => r.type === 'major')).toEqual([]);
  });

  it('passes on an untouched copy (the baseline of the planted cases)', () => {
    const run = spawnSync(process.execPath, [checkScript, copyOfRepository()], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('fails when a peer range would make a core minor bump an adapter to a major', () => {
    const copy = copyOfRepository();
    // The range changesets turns into a major for every peer dependent on a 0.x minor of core.
    setCorePeerRange(copy, 'storage-postgres', 'workspace:^');
    expect(unintendedMajors(releasePlan(copy)).map((r: { name: string }) => r.name)).toEqual(['@sanctum/storage-postgres']);
    const run = spawnSync(process.execPath, [checkScript, copy], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('unintended major bump(s): @sanctum/storage-postgres 0.1.0 -> 1.0.0');
  });

  it('accepts a major that a changeset declares on purpose', () => {
    const copy = copyOfRepository();
    writeFileSync(join(copy, '.changeset', 'planted-major.md'), "---\n'@sanctum/storage-s3': major\n---\n\nPlanted.\n");
    const plan = releasePlan(copy);
    expect(plan.releases.find((r: { name: string }) => r.name === '@sanctum/storage-s3')?.type).toBe('major');
    expect(unintendedMajors(plan)).toEqual([]);
  });
});
