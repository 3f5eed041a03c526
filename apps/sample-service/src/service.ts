import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createStorageClient, isStorageError, type ChaosControl, type AdapterFactory, type StorageClient, type StorageConfigInput, type Subscription } from '@sanctum/storage-core';
import { createPrometheusMetrics } from '@sanctum/storage-core/prometheus';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A profile as the service stores it. */
interface Profile {
  name: string;
  email?: string;
  bio?: string;
  updatedAt: string;
}

/** An activity event on the stream. */
interface Activity {
  type: 'profile.updated' | 'avatar.uploaded' | 'custom';
  subject: string;
  at: string;
  data?: Record<string, string | number | boolean>;
}

const STATUS_OF_CODE: Record<string, number> = {
  NOT_FOUND: 404,
  PRECONDITION_FAILED: 412,
  ALREADY_EXISTS: 409,
  INVALID_ARGUMENT: 400,
  PAYLOAD_TOO_LARGE: 413,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
  CIRCUIT_OPEN: 503,
  BACKPRESSURE: 503,
  ACCESS_DENIED: 403,
};

const MAX_JSON_BYTES = 64 * 1024;

/** What {@link startService} takes. */
export interface ServiceOptions {
  readonly config: StorageConfigInput;
  readonly adapters: readonly AdapterFactory[];
  readonly port?: number;
  readonly host?: string;
  /** How long shutdown waits for in-flight requests. @default 10_000 */
  readonly drainMs?: number;
  /** Core's chaos control (game days, the nightly load run); none by default. */
  readonly chaos?: ChaosControl;
}

/** A running service. */
export interface RunningService {
  readonly url: string;
  readonly server: Server;
  readonly client: StorageClient;
  readonly registry: Registry;
  /** Stops accepting, marks not-ready, drains requests, stops the consumer, closes storage. Idempotent. */
  shutdown(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new HttpError(413, `body larger than ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  res.end(text);
}

/** Starts the HTTP service over a storage client built from `config`. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createPrometheusMetrics({ registry });
  const client = createStorageClient(options.config, { adapters: options.adapters, metrics, ...(options.chaos ? { chaos: options.chaos } : {}) });
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route, method and status code', labelNames: ['route', 'method', 'code'], registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and method',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const consumed = new Counter({ name: 'sample_activity_consumed_total', help: 'Activity events handled by the consumer', labelNames: ['type'], registers: [registry] });

  const profiles = client.records<Profile>('profiles');
  const avatars = client.blobs('avatars');
  const activity = client.streams<Activity>('activity');
  let ready = false;
  let shuttingDown = false;

  const publish = (event: Activity) => activity.publish(event, { key: event.subject });

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<string> {
    const method = req.method ?? 'GET';
    if (path === '/healthz') {
      send(res, 200, 'ok');
      return '/healthz';
    }
    if (path === '/readyz') {
      if (!ready || shuttingDown) {
        send(res, 503, { ready: false, reason: shuttingDown ? 'shutting down' : 'starting' });
        return '/readyz';
      }
      const health = await client.health();
      send(res, health.ok ? 200 : 503, { ready: health.ok, adapters: health.adapters });
      return '/readyz';
    }
    if (path === '/metrics') {
      send(res, 200, await registry.metrics(), { 'content-type': registry.contentType });
      return '/metrics';
    }
    const profile = /^\/profiles\/([A-Za-z0-9._-]{1,128})$/.exec(path);
    if (profile !== null) {
      const id = profile[1]!;
      if (method === 'GET') {
        const record = await profiles.get(id, { consistency: 'eventual' });
        send(res, 200, record.value, { etag: `"${record.etag}"` });
      } else if (method === 'PUT') {
        const body = (await readJson(req)) as Partial<Profile>;
        if (typeof body.name !== 'string' || body.name === '') throw new HttpError(400, 'name: required, a non-empty string');
        const ifMatch = req.headers['if-match']?.replaceAll('"', '');
        const value: Profile = { name: body.name, updatedAt: new Date().toISOString(), ...(body.email === undefined ? {} : { email: String(body.email) }), ...(body.bio === undefined ? {} : { bio: String(body.bio) }) };
        const written = await profiles.put(id, value, ifMatch === undefined ? {} : { ifMatch });
        await publish({ type: 'profile.updated', subject: id, at: value.updatedAt });
        send(res, 200, { version: written.version }, { etag: `"${written.etag}"` });
      } else throw new HttpError(405, `${method} not allowed`);
      return '/profiles/:id';
    }
    const avatar = /^\/avatars\/([A-Za-z0-9._-]{1,128})$/.exec(path);
    if (avatar !== null) {
      const id = avatar[1]!;
      if (method === 'GET') {
        const download = await avatars.get(id);
        res.writeHead(200, { 'content-type': download.meta.contentType ?? 'application/octet-stream', 'content-length': String(download.meta.size), etag: `"${download.meta.etag}"` });
        await pipeline(download.body, res);
      } else if (method === 'PUT') {
        const length = Number(req.headers['content-length']);
        if (!Number.isInteger(length) || length <= 0) throw new HttpError(411, 'Content-Length required');
        if (length > 8 * 1024 * 1024) throw new HttpError(413, 'avatars are at most 8 MiB');
        const written = await avatars.put(id, Readable.from(req), { contentLength: length, contentType: req.headers['content-type'] ?? 'application/octet-stream' });
        await publish({ type: 'avatar.uploaded', subject: id, at: new Date().toISOString(), data: { size: written.size } });
        send(res, 201, { size: written.size, etag: written.etag });
      } else throw new HttpError(405, `${method} not allowed`);
      return '/avatars/:id';
    }
    if (path === '/events' && method === 'POST') {
      const body = (await readJson(req)) as { subject?: unknown; data?: unknown };
      if (typeof body.subject !== 'string' || body.subject === '') throw new HttpError(400, 'subject: required, a non-empty string');
      const { id } = await publish({ type: 'custom', subject: body.subject, at: new Date().toISOString() });
      send(res, 202, { id });
      return '/events';
    }
    send(res, 404, { error: 'NOT_FOUND', message: `no route ${method} ${path}` });
    return 'unmatched';
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let routeName = 'unmatched';
    route(req, res, path)
      .then((name) => void (routeName = name))
      .catch((error: unknown) => {
        if (error instanceof HttpError) return send(res, error.status, { error: 'BAD_REQUEST', message: error.message });
        if (isStorageError(error)) return send(res, STATUS_OF_CODE[error.code] ?? 500, { error: error.code, message: error.message });
        return send(res, 500, { error: 'INTERNAL', message: 'internal error' });
      })
      .finally(() => {
        if (routeName === 'unmatched') routeName = /^\/(profiles|avatars)\//.test(path) ? `/${path.split('/')[1]}/:id` : path === '/events' ? '/events' : 'unmatched';
        requests.inc({ route: routeName, method, code: String(res.statusCode) });
        duration.observe({ route: routeName, method }, (performance.now() - started) / 1000);
      });
  });
  server.keepAliveTimeout = 5_000;

  const subscription: Subscription = await activity.subscribe('sample-service', async (message) => {
    consumed.inc({ type: message.payload.type });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  ready = true;
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      shuttingDown = true;
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), options.drainMs ?? 10_000);
      await drained;
      clearTimeout(timer);
      await subscription.close();
      await client.close();
    })());

  return { url: `http://127.0.0.1:${port}`, server, client, registry, shutdown };
}
