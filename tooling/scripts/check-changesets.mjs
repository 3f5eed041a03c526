#!/usr/bin/env node
// Release-plan guard: runs `changeset status` and fails when the plan would publish a major version
// that no changeset asked for (e.g. a peer range that a core minor leaves, which changesets answers
// with a major bump of every peer dependent). Usage: node check-changesets.mjs [repo-root]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const changesetBin = join(here, '..', '..', 'node_modules', '.bin', 'changeset');

/**
 * The release plan of the repository at `root`, as `changeset status --output` writes it.
 * @param {string} root
 */
export function releasePlan(root) {
  const dir = mkdtempSync(join(tmpdir(), 'changeset-status-'));
  const output = join(dir, 'status.json');
  try {
    const run = spawnSync(changesetBin, ['status', '--output', output], { cwd: root, encoding: 'utf8' });
    if (run.status !== 0) {
      throw new Error(`changeset status failed in ${root} (exit ${run.status}):\n${run.stdout}${run.stderr}`);
    }
    return JSON.parse(readFileSync(output, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Majors in the plan that no changeset declares for that package.
 * @param {{ releases: Array<{ name: string, type: string, oldVersion: string, newVersion: string }>,
 *           changesets: Array<{ releases: Array<{ name: string, type: string }> }> }} plan
 */
export function unintendedMajors(plan) {
  const declared = new Set(plan.changesets.flatMap((c) => c.releases.filter((r) => r.type === 'major').map((r) => r.name)));
  return plan.releases.filter((r) => r.type === 'major' && !declared.has(r.name));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(here, '..', '..'));
  const plan = releasePlan(root);
  for (const r of plan.releases) console.log(`  ${r.name}: ${r.oldVersion} -> ${r.newVersion} (${r.type})`);
  const bad = unintendedMajors(plan);
  if (bad.length > 0) {
    console.error(
      `check-changesets: ${bad.length} unintended major bump(s): ${bad.map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion}`).join(', ')}.\n` +
        'No changeset declares these majors; they come from dependency propagation (usually a peer range that the ' +
        'next version of a workspace package leaves). Widen the peer range (see docs/adr/007-published-files.md) ' +
        'or declare the major in a changeset on purpose.',
    );
    process.exit(1);
  }
  console.log(`check-changesets: ${plan.releases.length} planned release(s), no unintended major.`);
}
