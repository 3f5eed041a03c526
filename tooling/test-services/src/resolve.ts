import { dockerReachable, loadTestcontainers, startContainer } from './containers.js';
import { loadEnvFile } from './env-file.js';
import { splitHostPort, tcpReachable } from './reachable.js';
import type { ServiceInfo, ServiceInfoMap, ServiceName, ServiceSource } from './types.js';

/** The env contract written to `.services.env` by tooling/services (see its README). */
export const SERVICE_ENV_KEYS = {
  postgres: ['STORAGE_TEST_POSTGRES_URL'],
  redis: ['STORAGE_TEST_REDIS_URL'],
  s3: [
    'STORAGE_TEST_S3_ENDPOINT',
    'STORAGE_TEST_S3_PORT',
    'STORAGE_TEST_S3_USE_SSL',
    'STORAGE_TEST_S3_ACCESS_KEY',
    'STORAGE_TEST_S3_SECRET_KEY',
    'STORAGE_TEST_S3_REGION',
  ],
  kafka: ['STORAGE_TEST_KAFKA_BROKERS'],
} as const satisfies Record<ServiceName, readonly string[]>;

const SERVICE_NAMES: readonly ServiceName[] = ['postgres', 'redis', 's3', 'kafka'];

export const HOW_TO_START =
  'Start the real services with `pnpm services:up` at the repository root (tooling/services/bin/services.sh: ' +
  'PostgreSQL, Redis, Ceph RGW (S3) and a Kafka mock on fixed loopback ports; it writes .services.env), ' +
  'or run `pnpm test:integration`, which starts them, runs the tests and stops them again. ' +
  'With Docker: `docker compose -f infra/docker-compose.yml up -d --wait && cp infra/services.docker.env .services.env`.';

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, key: string, origin: string): string {
  const v = env[key];
  if (v === undefined || v === '') throw new Error(`${key} is missing in ${origin}`);
  return v;
}

function fromEnv<N extends ServiceName>(
  name: N,
  env: Env,
  source: ServiceSource,
  origin: string,
  envFile?: string,
): ServiceInfoMap[N] {
  const extra = envFile === undefined ? {} : { envFile };
  let info: ServiceInfo;
  switch (name) {
    case 'postgres':
      info = { name: 'postgres', url: required(env, 'STORAGE_TEST_POSTGRES_URL', origin), source, ...extra };
      break;
    case 'redis':
      info = { name: 'redis', url: required(env, 'STORAGE_TEST_REDIS_URL', origin), source, ...extra };
      break;
    case 's3': {
      const useSSL = /^(1|true|yes)$/i.test(env['STORAGE_TEST_S3_USE_SSL'] ?? 'false');
      const endPoint = required(env, 'STORAGE_TEST_S3_ENDPOINT', origin);
      const port = Number(env['STORAGE_TEST_S3_PORT'] ?? (useSSL ? 443 : 80));
      if (!Number.isInteger(port) || port <= 0) throw new Error(`STORAGE_TEST_S3_PORT is not a port in ${origin}`);
      info = {
        name: 's3',
        endPoint,
        port,
        useSSL,
        accessKey: required(env, 'STORAGE_TEST_S3_ACCESS_KEY', origin),
        secretKey: required(env, 'STORAGE_TEST_S3_SECRET_KEY', origin),
        region: env['STORAGE_TEST_S3_REGION'] || 'us-east-1',
        pathStyle: true,
        url: `${useSSL ? 'https' : 'http'}://${endPoint.includes(':') ? `[${endPoint}]` : endPoint}:${port}`,
        source,
        ...extra,
      };
      break;
    }
    case 'kafka': {
      const brokers = required(env, 'STORAGE_TEST_KAFKA_BROKERS', origin)
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean);
      info = { name: 'kafka', brokers, source, ...extra };
      break;
    }
    default:
      throw new Error(`unknown service: ${String(name)}`);
  }
  return info as ServiceInfoMap[N];
}

/** host:port to probe for a resolved service. */
function endpointOf(info: ServiceInfo): [string, number] {
  switch (info.name) {
    case 'postgres':
    case 'redis': {
      const u = new URL(info.url);
      const port = u.port === '' ? (info.name === 'postgres' ? 5432 : 6379) : Number(u.port);
      return [u.hostname.replace(/^\[|\]$/g, ''), port];
    }
    case 's3':
      return [info.endPoint, info.port];
    case 'kafka':
      return splitHostPort(info.brokers[0] ?? '', 9092);
  }
}

function describeInfo(info: ServiceInfo): string {
  const where = info.source === 'env' ? 'the environment' : `${info.envFile ?? '.services.env'}`;
  const [host, port] = endpointOf(info);
  return `${info.name} at ${host}:${port} (from ${where})`;
}

async function ensureReachable(info: ServiceInfo): Promise<void> {
  const [host, port] = endpointOf(info);
  try {
    await tcpReachable(host, port);
  } catch (err) {
    const stale =
      info.source === 'env-file'
        ? ' The file is probably stale (the servers were stopped or the machine restarted).'
        : '';
    throw new Error(
      `${describeInfo(info)} is not reachable: ${(err as Error).message}.${stale} ${HOW_TO_START}`,
      { cause: err },
    );
  }
}

export interface ResolveOptions {
  /** Where the search for `.services.env` starts (default: process.cwd()). */
  cwd?: string;
  /** Environment to read STORAGE_TEST_* from (default: process.env). */
  env?: Env;
  /** Try testcontainers when Docker is reachable (default: true). */
  testcontainers?: boolean;
}

/** resolveService without the per-process cache. */
export async function resolveServiceUncached<N extends ServiceName>(
  name: N,
  options: ResolveOptions = {},
): Promise<ServiceInfoMap[N]> {
  if (!SERVICE_NAMES.includes(name)) throw new Error(`unknown service '${String(name)}'; expected one of ${SERVICE_NAMES.join(', ')}`);
  const primary = SERVICE_ENV_KEYS[name][0];
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();

  // 1. explicit environment variables
  if (env[primary]) {
    const info = fromEnv(name, env, 'env', 'the environment');
    await ensureReachable(info);
    return info;
  }

  // 2. .services.env written by tooling/services/bin/services.sh, found from cwd upwards
  const file = loadEnvFile(cwd);
  if (file?.values[primary]) {
    const info = fromEnv(name, file.values, 'env-file', file.path, file.path);
    await ensureReachable(info);
    return info;
  }

  // 3. testcontainers, only when a Docker engine answers
  let dockerNote =
    options.testcontainers === false ? 'testcontainers is disabled' : 'no Docker engine is reachable for testcontainers';
  if (options.testcontainers !== false && (await dockerReachable())) {
    const tc = await loadTestcontainers();
    if (tc === undefined) {
      dockerNote = 'a Docker engine is reachable but the optional dependency `testcontainers` is not installed';
    } else {
      return startContainer(tc, name);
    }
  }

  // 4. fail loudly: a missing service is an error, never a skipped test (under CI or not)
  const fileNote = file
    ? `${file.path} has no ${primary} (started with a SERVICES subset?)`
    : `no .services.env was found from ${cwd} upwards`;
  throw new Error(
    `The integration tests need ${name}, but it is not available: ${primary} is not set, ${fileNote}, and ${dockerNote}. ` +
      HOW_TO_START,
  );
}

const cache = new Map<ServiceName, Promise<ServiceInfo>>();

/**
 * Connection details of a real backing service for integration tests, in this order:
 * `STORAGE_TEST_*` environment variables → the `.services.env` file (found by walking up from the
 * current directory) → a testcontainers container when a Docker engine is reachable → an Error that
 * says how to start the services. It never resolves to "skip": a missing service fails the test,
 * under CI and locally. Results are cached per process (a container is started once per worker).
 */
export function resolveService<N extends ServiceName>(name: N): Promise<ServiceInfoMap[N]> {
  let p = cache.get(name);
  if (p === undefined) {
    p = resolveServiceUncached(name);
    cache.set(name, p);
    p.catch(() => cache.delete(name));
  }
  return p as Promise<ServiceInfoMap[N]>;
}

/**
 * The `STORAGE_TEST_*` variables of the resolved `names`, as a child process or a config file that
 * reads the env contract expects them (wherever the services came from: env, `.services.env` or a
 * container). The one place that maps resolved services back to the contract.
 */
export async function servicesEnv(names: readonly ServiceName[]): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const info of await Promise.all(names.map((name) => resolveService(name)))) {
    switch (info.name) {
      case 'postgres':
        env['STORAGE_TEST_POSTGRES_URL'] = info.url;
        break;
      case 'redis':
        env['STORAGE_TEST_REDIS_URL'] = info.url;
        break;
      case 's3':
        Object.assign(env, {
          STORAGE_TEST_S3_ENDPOINT: info.endPoint,
          STORAGE_TEST_S3_PORT: String(info.port),
          STORAGE_TEST_S3_USE_SSL: String(info.useSSL),
          STORAGE_TEST_S3_ACCESS_KEY: info.accessKey,
          STORAGE_TEST_S3_SECRET_KEY: info.secretKey,
          STORAGE_TEST_S3_REGION: info.region,
        });
        break;
      case 'kafka':
        env['STORAGE_TEST_KAFKA_BROKERS'] = info.brokers.join(',');
        break;
    }
  }
  return env;
}
