/** SLO thresholds (slo.json) and their evaluation against the figures Prometheus reported. */
export interface RouteSlo {
  readonly p50Seconds: number;
  readonly p99Seconds: number;
  /** Fraction of the route's requests that may fail (non-2xx); 0 = none. */
  readonly maxErrorRate: number;
}

export interface SloFile {
  /** The run fails on any failed request (client or Prometheus). @default true */
  readonly zeroErrors: boolean;
  readonly defaults: RouteSlo;
  readonly routes?: Readonly<Record<string, Partial<RouteSlo>>>;
}

/** What Prometheus reported for one route ("METHOD /route"). */
export interface RouteFigures {
  readonly requests: number;
  readonly errors: number;
  readonly p50Seconds: number | undefined;
  readonly p99Seconds: number | undefined;
}

export interface SloCheck {
  readonly route: string;
  readonly check: 'p50' | 'p99' | 'error-rate' | 'traffic';
  readonly limit: number;
  readonly actual: number | undefined;
  readonly ok: boolean;
}

/** Parses and validates slo.json; names the field that is wrong. */
export function parseSloFile(json: unknown, source = 'slo.json'): SloFile {
  const fail = (field: string, what: string): never => {
    throw new Error(`${source}: ${field} ${what}`);
  };
  if (typeof json !== 'object' || json === null) return fail('(root)', 'must be an object');
  const root = json as Record<string, unknown>;
  const check = (value: unknown, field: string, partial: boolean): Partial<RouteSlo> => {
    if (typeof value !== 'object' || value === null) return fail(field, 'must be an object');
    const out: Record<string, number> = {};
    for (const key of ['p50Seconds', 'p99Seconds', 'maxErrorRate'] as const) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined && partial) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${field}.${key}`, `must be a number >= 0 (got ${JSON.stringify(v)})`);
      if (key === 'maxErrorRate' && (v as number) > 1) fail(`${field}.${key}`, `is a fraction between 0 and 1 (got ${String(v)})`);
      out[key] = v as number;
    }
    for (const key of Object.keys(value)) if (!['p50Seconds', 'p99Seconds', 'maxErrorRate'].includes(key)) fail(`${field}.${key}`, 'is not a known SLO field (p50Seconds, p99Seconds, maxErrorRate)');
    return out;
  };
  const zeroErrors = root['zeroErrors'] ?? true;
  if (typeof zeroErrors !== 'boolean') fail('zeroErrors', `must be true or false (got ${JSON.stringify(zeroErrors)})`);
  for (const key of Object.keys(root)) if (!['$comment', 'zeroErrors', 'defaults', 'routes'].includes(key)) fail(key, 'is not a known key (zeroErrors, defaults, routes)');
  const defaults = check(root['defaults'], 'defaults', false) as RouteSlo;
  const routes: Record<string, Partial<RouteSlo>> = {};
  if (root['routes'] !== undefined) {
    if (typeof root['routes'] !== 'object' || root['routes'] === null) fail('routes', 'must be an object keyed by "METHOD /route"');
    for (const [route, value] of Object.entries(root['routes'] as object)) {
      if (!/^(GET|PUT|POST|DELETE|PATCH|HEAD) \//.test(route)) fail(`routes["${route}"]`, 'must be keyed "METHOD /route", e.g. "GET /profiles/:id"');
      routes[route] = check(value, `routes["${route}"]`, true);
    }
  }
  return { zeroErrors: zeroErrors as boolean, defaults, routes };
}

export function sloFor(file: SloFile, route: string): RouteSlo {
  return { ...file.defaults, ...file.routes?.[route] };
}

/**
 * Every route the load drove must have traffic in Prometheus, p50/p99 within their limits and an error
 * rate within its limit. A missing figure fails (no data is never a pass).
 */
export function evaluateSlos(file: SloFile, routes: readonly string[], figures: ReadonlyMap<string, RouteFigures>): SloCheck[] {
  const checks: SloCheck[] = [];
  for (const route of routes) {
    const slo = sloFor(file, route);
    const f = figures.get(route);
    checks.push({ route, check: 'traffic', limit: 1, actual: f?.requests, ok: f !== undefined && f.requests >= 1 });
    checks.push({ route, check: 'p50', limit: slo.p50Seconds, actual: f?.p50Seconds, ok: f?.p50Seconds !== undefined && f.p50Seconds <= slo.p50Seconds });
    checks.push({ route, check: 'p99', limit: slo.p99Seconds, actual: f?.p99Seconds, ok: f?.p99Seconds !== undefined && f.p99Seconds <= slo.p99Seconds });
    const rate = f && f.requests > 0 ? f.errors / f.requests : undefined;
    checks.push({ route, check: 'error-rate', limit: slo.maxErrorRate, actual: rate, ok: rate !== undefined && rate <= slo.maxErrorRate });
  }
  return checks;
}
