/**
 * Open-model load: requests start on a fixed schedule (rate per second, spread over the routes in turn)
 * whether or not earlier ones have finished, so a slow service gets a queue, not a gentler client.
 */
import { randomBytes } from 'node:crypto';

export const ROUTES = ['PUT /profiles/:id', 'GET /profiles/:id', 'PUT /avatars/:id', 'GET /avatars/:id', 'POST /events'] as const;
export type RouteKey = (typeof ROUTES)[number];

export interface ClientRouteStats {
  readonly requests: number;
  readonly errors: number;
  /** Status codes (or "network") of the failed requests with their counts. */
  readonly failures: Record<string, number>;
  readonly p50Seconds: number | undefined;
  readonly p99Seconds: number | undefined;
  readonly maxSeconds: number | undefined;
}

export interface LoadResult {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly scheduled: number;
  /** Largest delay between a request's scheduled start and its actual start (client saturation). */
  readonly maxStartLagSeconds: number;
  readonly routes: Record<RouteKey, ClientRouteStats>;
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly durationSeconds: number;
  /** Requests per second over all routes. */
  readonly rate: number;
  /** Distinct ids per run (profiles and avatars), seeded before the load so reads find them. */
  readonly ids?: number;
  readonly prefix: string;
  readonly avatarBytes?: number;
  /** Each request ends by this deadline (counted as an error). @default 5000 */
  readonly requestTimeoutMs?: number;
}

/** Nearest-rank quantile of sorted samples. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function requestFor(route: RouteKey, base: string, id: string, avatar: Uint8Array, n: number): [string, RequestInit] {
  switch (route) {
    case 'PUT /profiles/:id':
      return [`${base}/profiles/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `user ${String(n)}`, bio: 'load run' }) }];
    case 'GET /profiles/:id':
      return [`${base}/profiles/${id}`, { method: 'GET' }];
    case 'PUT /avatars/:id':
      return [`${base}/avatars/${id}`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: avatar }];
    case 'GET /avatars/:id':
      return [`${base}/avatars/${id}`, { method: 'GET' }];
    case 'POST /events':
      return [`${base}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: id }) }];
  }
}

async function once(route: RouteKey, base: string, id: string, avatar: Uint8Array, n: number, timeoutMs: number): Promise<{ ok: boolean; code: string; seconds: number }> {
  const [url, init] = requestFor(route, base, id, avatar, n);
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { ok: res.status >= 200 && res.status < 300, code: String(res.status), seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    return { ok: false, code: (error as Error).name === 'TimeoutError' ? 'client-timeout' : 'network', seconds: (performance.now() - started) / 1000 };
  }
}

/** Writes every id once (so GETs find them); fails loudly when the service cannot serve the seed. */
export async function seed(options: LoadOptions): Promise<void> {
  const avatar = randomBytes(options.avatarBytes ?? 16_384);
  const one = async (i: number): Promise<void> => {
    const id = `${options.prefix}-${String(i)}`;
    for (const route of ['PUT /profiles/:id', 'PUT /avatars/:id'] as const) {
      // A few attempts: with chaos on, single writes fail on purpose.
      let r = await once(route, options.baseUrl, id, avatar, i, options.requestTimeoutMs ?? 5000);
      for (let attempt = 1; !r.ok && attempt < 5; attempt += 1) r = await once(route, options.baseUrl, id, avatar, i, options.requestTimeoutMs ?? 5000);
      if (!r.ok) throw new Error(`seeding failed: ${route} for ${id} answered ${r.code} five times; the service is not serving writes`);
    }
  };
  const ids = options.ids ?? 25;
  for (let i = 0; i < ids; i += 10) await Promise.all(Array.from({ length: Math.min(10, ids - i) }, (_, k) => one(i + k)));
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const avatar = randomBytes(options.avatarBytes ?? 16_384);
  const ids = options.ids ?? 25;
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const total = Math.round(options.durationSeconds * options.rate);
  const samples = new Map<RouteKey, number[]>(ROUTES.map((r) => [r, []]));
  const failures = new Map<RouteKey, Record<string, number>>(ROUTES.map((r) => [r, {}]));
  const inflight = new Set<Promise<void>>();
  let maxLag = 0;
  const startedAt = Date.now();
  const t0 = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = t0 + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    maxLag = Math.max(maxLag, (performance.now() - due) / 1000);
    const route = ROUTES[i % ROUTES.length]!;
    const id = `${options.prefix}-${String(Math.floor(i / ROUTES.length) % ids)}`;
    const p = once(route, options.baseUrl, id, avatar, i, timeoutMs).then((r) => {
      samples.get(route)!.push(r.seconds);
      if (!r.ok) {
        const f = failures.get(route)!;
        f[r.code] = (f[r.code] ?? 0) + 1;
      }
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  await Promise.all(inflight);
  const routes = {} as Record<RouteKey, ClientRouteStats>;
  for (const route of ROUTES) {
    const sorted = samples.get(route)!.sort((a, b) => a - b);
    const f = failures.get(route)!;
    routes[route] = {
      requests: sorted.length,
      errors: Object.values(f).reduce((a, b) => a + b, 0),
      failures: f,
      p50Seconds: quantile(sorted, 0.5),
      p99Seconds: quantile(sorted, 0.99),
      maxSeconds: sorted.at(-1),
    };
  }
  return { startedAt, endedAt: Date.now(), scheduled: total, maxStartLagSeconds: maxLag, routes };
}
