// The full crash profile: `pnpm --filter @sanctum/storage-postgres outbox:crash [total] [kills]`.
import { runCrashScenario } from './crash.js';

const report = await runCrashScenario({
  total: Number(process.argv[2] ?? '10000'),
  kills: Number(process.argv[3] ?? '5'),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ ...report, missing: report.missing.length, unexpected: report.unexpected.length }, null, 2)}\n`);
const ok = report.missing.length === 0 && report.unexpected.length === 0 && report.orderViolations === 0 && report.effectErrors === 0;
process.exit(ok ? 0 : 1);
