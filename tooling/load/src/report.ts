/** report.md: SLO figures from Prometheus' queries, the client's own record beside them. */
import type { Report } from './harness.js';

const ms = (s: number | undefined): string => (s === undefined ? 'n/a' : `${(s * 1000).toFixed(1)} ms`);
const mark = (ok: boolean): string => (ok ? 'pass' : '**FAIL**');

export function renderMarkdown(r: Report): string {
  const lines: string[] = [];
  lines.push(`# Load report — ${r.ok ? 'PASS' : 'FAIL'}`, '');
  lines.push(
    `Sample service on the rig's servers (PostgreSQL + Redis cache, Ceph RGW, Redis Streams); open-model load of ` +
      `${String(r.rate)} req/s for ${String(r.durationSeconds)} s from ${r.startedAt}` +
      `${r.chaos ? `, chaos \`${r.chaos}\`` : ', no chaos'}. Prometheus ${r.prometheus.version} scraped \`/metrics\` every ` +
      `${String(r.prometheus.scrapeIntervalSeconds)} s; the SLO figures are its PromQL answers over the ${r.prometheus.windowSeconds.toFixed(1)} s window ` +
      `(counter now minus counter at the window's start, so no extrapolation; latency quantiles are interpolated within ` +
      `the histogram's buckets).`,
    '',
  );
  lines.push('## SLOs per route (from Prometheus)', '');
  lines.push('| route | requests | errors | p50 | p99 | p99, rule `sanctum:http_latency_p99:5m` | checks |');
  lines.push('|---|---:|---:|---:|---:|---:|---|');
  for (const [route, f] of Object.entries(r.routes)) {
    const checks = r.checks.filter((c) => c.route === route);
    const failed = checks.filter((c) => !c.ok).map((c) => `${c.check} (limit ${c.check === 'error-rate' || c.check === 'traffic' ? String(c.limit) : ms(c.limit)})`);
    lines.push(`| \`${route}\` | ${String(f.requests)} | ${String(f.errors)} | ${ms(f.p50Seconds)} | ${ms(f.p99Seconds)} | ${ms(f.recordingRuleP99Seconds5m)} | ${failed.length === 0 ? 'pass' : `**FAIL**: ${failed.join(', ')}`} |`);
  }
  lines.push('');
  lines.push(`- 0 errors${r.zeroErrors.required ? '' : ' (not required by this SLO file)'}: ${mark(r.zeroErrors.ok)} (Prometheus ${String(r.zeroErrors.prometheusErrors)}, client ${String(r.zeroErrors.clientErrors)})`);
  lines.push(`- request counts agree: ${mark(r.countsMatch.ok)} (Prometheus ${String(r.countsMatch.prometheus)}, client ${String(r.countsMatch.client)} of ${String(r.client.scheduled)} scheduled)`);
  lines.push(`- largest start lag of a scheduled request: ${ms(r.client.maxStartLagSeconds)}`, '');
  lines.push('## Client-side record (cross-check)', '');
  lines.push('| route | requests | errors | p50 | p99 | max | failures |');
  lines.push('|---|---:|---:|---:|---:|---:|---|');
  for (const [route, c] of Object.entries(r.client.routes)) {
    const failures = Object.entries(c.failures).map(([code, n]) => `${code}×${String(n)}`).join(', ');
    lines.push(`| \`${route}\` | ${String(c.requests)} | ${String(c.errors)} | ${ms(c.p50Seconds)} | ${ms(c.p99Seconds)} | ${ms(c.maxSeconds)} | ${failures || '—'} |`);
  }
  lines.push('', '## Alerts (Prometheus /api/v1/alerts at the end)', '');
  const active = r.alerts.filter((a) => a.state === 'firing' || a.state === 'pending');
  if (active.length === 0) lines.push('None firing or pending.');
  for (const a of active) lines.push(`- ${a.state}: \`${a.name}\` ${Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const unhealthy = r.rules.filter((x) => x.health !== 'ok');
  lines.push('', `Rules loaded from infra/prometheus/sanctum-storage.rules.yml: ${String(r.rules.length)} (${String(r.rules.filter((x) => x.type === 'alerting').length)} alerting), ${unhealthy.length === 0 ? 'all evaluated without error' : `with evaluation errors: ${unhealthy.map((x) => `${x.name}: ${x.lastError ?? x.health}`).join('; ')}`}.`);
  lines.push('', '## PromQL', '');
  for (const [name, q] of Object.entries(r.prometheus.queries)) lines.push(`- ${name}: \`${q}\``);
  lines.push('');
  return lines.join('\n');
}
