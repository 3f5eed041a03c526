import postgresJs, { type Options, type PostgresType, type Sql } from 'postgres';
import type { Logger } from '@sanctum/storage-core/spi';
import type { ResolvedPostgresOptions } from './options.js';

/** The postgres.js client type this package uses: no custom types exposed to callers. */
export type Client = Sql<Record<string, PostgresType>>;

type SslOption = Exclude<ResolvedPostgresOptions['ssl'], undefined>;

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly ssl: SslOption;
}

const SSL_MODES: Readonly<Record<string, SslOption>> = {
  disable: false,
  allow: 'prefer',
  prefer: 'prefer',
  require: 'require',
  'verify-ca': 'verify-full',
  'verify-full': 'verify-full',
};

/** Where to connect, from `url` or the separate fields; nothing comes from the environment. */
export function endpointOf(options: ResolvedPostgresOptions): Endpoint {
  if (options.url === undefined) {
    const user = options.user ?? 'postgres';
    return {
      host: options.host ?? 'localhost',
      port: options.port ?? 5432,
      user,
      password: options.password ?? '',
      database: options.database ?? user,
      ssl: options.ssl ?? false,
    };
  }
  const url = new URL(options.url);
  const user = decodeURIComponent(url.username) || 'postgres';
  const sslmode = url.searchParams.get('sslmode');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 5432 : Number(url.port),
    user,
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || user,
    ssl: options.ssl ?? (sslmode === null ? false : (SSL_MODES[sslmode] ?? 'verify-full')),
  };
}

function postgresSsl(ssl: SslOption): Exclude<Options<Record<string, PostgresType>>['ssl'], undefined> {
  if (ssl === 'disable') return false;
  if (ssl === true) return 'verify-full';
  return ssl;
}

// int8 as a JS number: versions and counts stay far below 2^53.
const INT8_AS_NUMBER: PostgresType<number> = { to: 20, from: [20], serialize: (value: number) => String(value), parse: (text: string) => Number(text) };

/** Settings of a connection for LISTEN: its notification and close callbacks, no idle or age retirement. */
export interface ClientHooks {
  readonly onnotify?: (channel: string, payload: string) => void;
  readonly onclose?: (connectionId: number) => void;
  /** Seconds; 0 never retires an idle connection. */
  readonly idle_timeout?: number;
  /** Seconds; null never retires a connection for its age. */
  readonly max_lifetime?: number | null;
}

/**
 * A postgres.js pool for `options`. Every setting postgres.js would otherwise read from `PG*`
 * environment variables is given explicitly: libraries do not read the environment.
 */
export function createClient(
  options: ResolvedPostgresOptions,
  logger: Logger,
  max: number = options.poolSize,
  hooks: ClientHooks = {},
): Client {
  const endpoint = endpointOf(options);
  const password = endpoint.password;
  const settings: Options<Record<string, PostgresType>> = {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    // A function, so an empty password never falls back to PGPASSWORD.
    pass: () => password,
    ssl: postgresSsl(endpoint.ssl),
    max,
    idle_timeout: options.idleTimeoutMs / 1000,
    connect_timeout: options.connectTimeoutMs / 1000,
    max_lifetime: 60 * (30 + Math.random() * 30),
    prepare: true,
    fetch_types: false,
    debug: false,
    types: { int8: INT8_AS_NUMBER },
    connection: {
      application_name: options.applicationName,
      statement_timeout: options.statementTimeoutMs,
    },
    onnotice: (notice) => {
      logger.log({ event: 'postgres.notice', level: 'debug', severity: notice['severity'], code: notice['code'], message: notice['message'] });
    },
  };
  const extra = { max_pipeline: 100, keep_alive: 60, backoff: backoff, publications: 'alltables', sslnegotiation: null };
  return postgresJs({ ...settings, ...hooks, ...extra } as Options<Record<string, PostgresType>>);
}

/**
 * Seconds before a lost connection reconnects. postgres.js' own default grows to 20 s, and queries
 * wait for the reconnect: after a server restart they hung that long (or, with deadlines, failed
 * with TIMEOUT long after the server was back). Capped at half a second, well under a read timeout.
 */
export function backoff(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 0.5);
}
