// Sums the vitest JSON reports every package wrote under test-results/ and prints one closing line.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'apps', 'tooling', 'examples'];
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const root of roots) {
  if (!existsSync(root)) continue;
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg, 'test-results');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const p = report.numPassedTests ?? 0;
      // A file that failed without a failed test (it did not load, a hook threw) counts once; a failed
      // test is not counted again for the describe blocks and the file around it.
      const brokenFiles = (report.testResults ?? []).filter(
        (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
      ).length;
      const f = (report.numFailedTests ?? 0) + brokenFiles;
      const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      passed += p;
      failed += f;
      skipped += s;
      rows.push(`  ${join(root, pkg)} ${file.replace(/\.json$/, '')}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
    }
  }
}
console.log(rows.sort().join('\n'));
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
