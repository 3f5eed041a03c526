import { InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import {
  createJsonLinesAuditSink,
  createJsonLogger,
  createStorageClient,
  defineLayer,
  type AdapterFactory,
  type Message,
  type Principal,
  type StorageClient,
} from '../../src/index.js';
import { createPrometheusMetrics } from '../../src/observability/prometheus.js';

/** Everything the scan plants: none may appear in any observable output while redaction is on. */
export const PLANTED = {
  key: 'tenant-secret-42/ssn-123-45-6789',
  failingKey: 'tenant-secret-42/boom-987-65-4321',
  tenant: 'tenant-secret-42',
  ssn: '555-12-3456',
  alice: 'alice-planted-7781',
  mallory: 'mallory-planted-3317',
  secret: 'hunter2-planted-secret',
  redactionKey: 'redaction-key-planted-0123456789',
} as const;

export interface LeakScanOptions {
  /** Adapter instances of the config (empty for the embedded memory stores). */
  readonly adapters?: Record<string, { use: string; options?: unknown }>;
  readonly factories?: readonly AdapterFactory[];
  /** Adapter instance per kind; undefined = embedded memory; null = leave the kind out. */
  readonly record?: string | undefined;
  readonly blob?: string | null | undefined;
  readonly stream?: string | null | undefined;
  /** Unique per run, appended to namespace names. */
  readonly suffix: string;
  readonly redaction: boolean;
}

/** Where each planted value was found: `place → planted names`. */
export type LeakHits = Array<{ readonly place: string; readonly planted: keyof typeof PLANTED }>;

const alice: Principal = { id: PLANTED.alice, tenant: PLANTED.tenant, roles: ['tenant-user'] };
const mallory: Principal = { id: PLANTED.mallory, tenant: 'other-tenant-99', roles: ['tenant-user'] };
const ops: Principal = { id: 'ops-reader', roles: ['ops'] };

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for the dead letter');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs records, blobs and streams through allowed, denied and failing calls (a driver error and a
 * stream handler error both naming the key, the principal, an SSN and a secret), then scans every
 * log line, span (attributes, events, status), metric series, audit event, error message and
 * dead-letter header for the planted values.
 */
export async function leakScan(options: LeakScanOptions): Promise<LeakHits> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const registry = new Registry();
  const logLines: string[] = [];
  const auditLines: string[] = [];
  const errors: string[] = [];
  const deadHeaders: string[] = [];
  const ns = { users: `users-${options.suffix}`, media: `media-${options.suffix}`, events: `events-${options.suffix}` };
  // A driver that puts the key and a secret into its error text, as real drivers do.
  const leakyDriver = defineLayer({
    kind: 'record',
    slot: 'resilience',
    name: 'leaky-driver',
    layer: (next) => ({
      get: (request) =>
        request.key === PLANTED.failingKey ? Promise.reject(new Error(`driver failed reading ${request.key} with password ${PLANTED.secret}`)) : next.get(request),
    }),
  });
  const storage: StorageClient = createStorageClient(
    {
      schemaVersion: 1,
      adapters: options.adapters ?? {},
      namespaces: {
        [ns.users]: { kind: 'record', ...(options.record === undefined ? {} : { adapter: options.record }) },
        ...(options.blob === null ? {} : { [ns.media]: { kind: 'blob', ...(options.blob === undefined ? {} : { adapter: options.blob }) } }),
        ...(options.stream === null
          ? {}
          : { [ns.events]: { kind: 'stream', maxDeliveries: 2, ackTimeoutMs: 5_000, ...(options.stream === undefined ? {} : { adapter: options.stream }) } }),
      },
      security: {
        acl: {
          logAllowed: true,
          rules: [
            { roles: ['tenant-user'], actions: ['read', 'write', 'delete', 'list', 'publish', 'consume'], keys: ['{tenant}/**'] },
            { roles: ['ops'], actions: ['consume'] },
          ],
        },
        redaction: { enabled: options.redaction, fields: ['ssn'], patterns: ['\\d{3}-\\d{2}-\\d{4}'] },
      },
    },
    {
      adapters: options.factories ?? [],
      layers: [leakyDriver],
      tracer: provider.getTracer('leak-scan'),
      metrics: createPrometheusMetrics({ registry }),
      logger: createJsonLogger({ level: 'debug', write: (line) => void logLines.push(line) }),
      security: {
        auditSinks: [createJsonLinesAuditSink((line) => void auditLines.push(line))],
        redactionKey: PLANTED.redactionKey,
        secrets: [PLANTED.secret],
      },
    },
  );
  const caught = async (work: Promise<unknown>): Promise<void> => {
    try {
      await work;
    } catch (error) {
      let at: unknown = error;
      while (at instanceof Error) {
        errors.push(`${at.name}: ${at.message} ${JSON.stringify((at as { details?: unknown }).details ?? null)} ${at.stack ?? ''}`);
        at = at.cause;
      }
      if (at !== undefined) errors.push(String(at));
    }
  };
  try {
    const users = storage.as(alice).records<{ ssn: string; n: number }>(ns.users);
    const { etag } = await users.put(PLANTED.key, { ssn: PLANTED.ssn, n: 1 });
    await users.get(PLANTED.key);
    await caught(users.put(PLANTED.key, { ssn: PLANTED.ssn, n: 2 }, { ifMatch: `${etag}-stale` }));
    await caught(users.get(PLANTED.failingKey));
    await users.delete(PLANTED.key);
    await caught(users.get(PLANTED.key));
    await caught(storage.as(mallory).records(ns.users).get(PLANTED.key));
    await caught(storage.as(mallory).records(ns.users).list({ prefix: `${PLANTED.tenant}/` }));
    await caught(storage.records(ns.users).get(PLANTED.key));

    if (options.blob !== null) {
      const media = storage.as(alice).blobs(ns.media);
      await media.put(PLANTED.key, 'body');
      await media.getBytes(PLANTED.key);
      await caught(storage.as(mallory).blobs(ns.media).head(PLANTED.key));
      await media.delete(PLANTED.key);
      await caught(media.head(PLANTED.key));
    }

    if (options.stream !== null) {
      const events = storage.as(alice).streams<{ ssn: string }>(ns.events);
      const dead: Array<Message<{ ssn: string }>> = [];
      const dlq = await storage
        .as(ops)
        .streams<{ ssn: string }>(ns.events)
        .deadLetters()
        .subscribe('ops', async (m) => void dead.push(m), { from: 'earliest', onError: () => {} });
      const sub = await events.subscribe(
        'billing',
        async (message) => {
          throw new Error(`could not bill ${message.key ?? ''} for ${alice.id} (ssn ${message.payload.ssn}) using ${PLANTED.secret}`);
        },
        { onError: () => {} },
      );
      await events.publish({ ssn: PLANTED.ssn }, { key: PLANTED.key });
      await caught(storage.as(mallory).streams(ns.events).publish({ ssn: PLANTED.ssn }, { key: PLANTED.key }));
      await until(() => dead.length >= 1);
      await sub.close();
      await dlq.close();
      for (const letter of dead) {
        const { 'x-dead-letter-original-id': _id, ...headers } = letter.headers;
        deadHeaders.push(JSON.stringify(headers));
      }
    }
  } finally {
    await storage.close();
  }

  const places: Array<[string, string]> = [
    ...logLines.map((line, i) => [`log[${String(i)}]`, line] as [string, string]),
    ...exporter.getFinishedSpans().map(
      (span, i) =>
        [
          `span[${String(i)}] ${span.name}`,
          JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })), status: span.status }),
        ] as [string, string],
    ),
    ['metrics', await registry.metrics()],
    ...auditLines.map((line, i) => [`audit[${String(i)}]`, line] as [string, string]),
    ...errors.map((text, i) => [`error[${String(i)}]`, text] as [string, string]),
    ...deadHeaders.map((text, i) => [`dead-letter[${String(i)}]`, text] as [string, string]),
  ];
  const hits: LeakHits = [];
  for (const [place, text] of places) {
    for (const [name, value] of Object.entries(PLANTED) as Array<[keyof typeof PLANTED, string]>) {
      if (text.includes(value)) hits.push({ place, planted: name });
    }
  }
  // Guard against a scan that sees nothing: every kind of output must have been produced.
  const produced = { logs: logLines.length, spans: exporter.getFinishedSpans().length, audit: auditLines.length, errors: errors.length, deadLetters: deadHeaders.length };
  Object.defineProperty(hits, 'produced', { value: produced, enumerable: false });
  return hits;
}

/** How much each output the scan looked at held (a scan over nothing proves nothing). */
export function producedBy(hits: LeakHits): { logs: number; spans: number; audit: number; errors: number; deadLetters: number } {
  return (hits as unknown as { produced: { logs: number; spans: number; audit: number; errors: number; deadLetters: number } }).produced;
}
