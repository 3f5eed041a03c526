// Runs Stryker once per module of the package in the current directory (its stryker.config.mjs
// exports `modules`), one pass at a time, then prints one row per module: mutants, killed (incl.
// timeouts), survived, no coverage, errors, the score, and the score the module's tests outside
// test/unit/mutation/ and test/integration/mutation/ reach alone (the tests written to kill survivors
// live there; the config's `disableBail` makes the report name every killing test, so this needs no
// second run). Works for any package: core's unit-tested modules and the adapters' modules, whose
// tests talk to the rig's real servers (found through `.services.env`, as in their other tests).
//
//   node ../../tooling/scripts/mutation.mjs            every module of this package
//   node ../../tooling/scripts/mutation.mjs cache      only the named modules
//
// Exits non-zero when a pass fails or a module scores under the config's `thresholds.break`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cwd = process.cwd();
const configPath = join(cwd, 'stryker.config.mjs');
if (!existsSync(configPath)) {
  console.error(`mutation: no stryker.config.mjs in ${cwd}; run this from a package that has one.`);
  process.exit(2);
}
const { modules, default: config } = await import(pathToFileURL(configPath).href);
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in modules)) {
    console.error(`mutation: "${name}" is not a module of this package; its modules are: ${Object.keys(modules).join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length > 0 ? wanted : Object.keys(modules);
const stryker = join(cwd, 'node_modules', '.bin', 'stryker');

/** The folders of tests written to kill survivors (unit for core, unit or integration for the adapters). */
const isMutationTestFile = (path) => /(^|\/)test\/(unit|integration)\/mutation\//.test(path.replaceAll('\\', '/'));

/** Counts by status from a mutation-testing-elements JSON report. */
function summarise(reportPath) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const olderTests = new Set();
  for (const [path, file] of Object.entries(report.testFiles ?? {})) {
    if (!isMutationTestFile(path)) for (const test of file.tests) olderTests.add(test.id);
  }
  const counts = { total: 0, Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  let killedByOlder = 0;
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) {
      counts.total += 1;
      counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
      // A timeout names no killer; count it for the older tests only if they cover the mutant.
      const by = mutant.status === 'Killed' ? mutant.killedBy : mutant.status === 'Timeout' ? mutant.coveredBy : [];
      if ((by ?? []).some((id) => olderTests.has(id))) killedByOlder += 1;
    }
  }
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  const pct = (n) => (valid === 0 ? 100 : (100 * n) / valid);
  return { ...counts, detected, score: pct(detected), killedByOlder, olderScore: pct(killedByOlder) };
}

/** The folder holding pnpm-workspace.yaml above `dir`. */
function repositoryRoot(dir) {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'pnpm-workspace.yaml'))) return at;
    if (dirname(at) === at) return dir;
  }
}

/**
 * The incremental file is committed: replace this machine's checkout path in it (project root,
 * plugin paths, stack traces in failure messages) with `<repo>`. Stryker matches files and tests by
 * their paths relative to the package, so the file stays usable.
 */
function scrubMachinePaths(file) {
  if (!existsSync(file)) return;
  const root = repositoryRoot(cwd);
  const text = readFileSync(file, 'utf8');
  const scrubbed = text.split(JSON.stringify(root).slice(1, -1)).join('<repo>');
  if (scrubbed !== text) writeFileSync(file, scrubbed);
}

const rows = [];
let failed = false;
for (const name of names) {
  const started = Date.now();
  console.log(`\nmutation: module "${name}" (${modules[name].mutate.join(', ')})`);
  const run = spawnSync(stryker, ['run', 'stryker.config.mjs'], { stdio: 'inherit', env: { ...process.env, SANCTUM_MUTATION_MODULE: name } });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  // The packages' convention (stryker.config.mjs): reports/stryker-incremental-<module>[-baseline].json.
  const suffix = process.env['SANCTUM_MUTATION_BASELINE'] === '1' ? `${name}-baseline` : name;
  scrubMachinePaths(join(cwd, 'reports', `stryker-incremental-${suffix}.json`));
  const reportPath = join(cwd, 'reports', 'mutation', `${suffix}.json`);
  if (run.status !== 0) failed = true;
  if (!existsSync(reportPath)) {
    rows.push(`| ${name} | no report (Stryker exited with ${run.status ?? run.signal}) | | | | | | | ${minutes} |`);
    continue;
  }
  const s = summarise(reportPath);
  // With bail (the adapters' configs: their tests talk to real servers) a report names only the first
  // killer of each mutant, so the score of the older tests alone cannot be read from it.
  const older = config.disableBail === true ? `${s.olderScore.toFixed(1)}%` : 'n/a (bail)';
  if (s.score < config.thresholds.break) failed = true;
  rows.push(
    `| ${name} | ${s.total} | ${s.detected} | ${s.Survived} | ${s.NoCoverage} | ${s.CompileError + s.RuntimeError} | ${s.score.toFixed(1)}% | ${older} | ${minutes} |`,
  );
}

console.log('\n| module | mutants | killed | survived | no coverage | errors | score | score without test/*/mutation | minutes |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
process.exit(failed ? 1 : 0);
