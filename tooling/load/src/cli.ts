/** `pnpm --filter @sanctum/load load [--duration 60] [--rate 20] [--out DIR] [--slo FILE] [--chaos JSON]` */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runHarness } from './harness.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    rate: { type: 'string', default: '20' },
    out: { type: 'string', default: here('../reports/latest') },
    slo: { type: 'string', default: here('../slo.json') },
    chaos: { type: 'string', default: process.env['SANCTUM_LOAD_CHAOS'] ?? '' },
    prometheus: { type: 'string', default: process.env['PROMETHEUS_BIN'] ?? 'prometheus' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write('usage: load [--duration SECONDS=60] [--rate REQ_PER_S=20] [--out DIR] [--slo FILE] [--chaos JSON] [--prometheus BIN]\n');
  process.exit(0);
}
try {
  const report = await runHarness({
    repoRoot: here('../../..'),
    durationSeconds: Number(values.duration),
    rate: Number(values.rate),
    outDir: values.out,
    sloFile: values.slo,
    prometheusBinary: values.prometheus,
    ...(values.chaos ? { chaos: values.chaos } : {}),
  });
  process.stdout.write(`${JSON.stringify({ ok: report.ok, report: `${values.out}/report.md` })}\n`);
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`load: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
