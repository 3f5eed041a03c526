import { createServer, connect, type Server, type Socket } from 'node:net';
import { pipeChunks, type Pipe } from './pipe.js';

/** What the proxy does to the traffic it forwards. Every field can be changed while it runs. */
export interface Toxics {
  /** Added to every chunk, each direction, in ms. @default 0 */
  readonly latencyMs: number;
  /** Each chunk's delay varies uniformly by ± this much (never below 0), in ms. @default 0 */
  readonly jitterMs: number;
  /** Bytes per second per connection and direction; 0 = no cap. @default 0 */
  readonly bandwidthBytesPerSec: number;
  /** Chance, per forwarded chunk, that the connection is reset (RST to both sides). @default 0 */
  readonly resetProbability: number;
  /**
   * A stalled link: connections are accepted and kept open, nothing is forwarded either way. What
   * was sent meanwhile is held and delivered, in order, when the black hole is lifted (as TCP's
   * retransmissions would after a partition heals). @default false
   */
  readonly blackhole: boolean;
}

/** Counters of what the proxy did, for the figures a test prints. */
export interface ProxyStats {
  /** Client connections accepted. */
  readonly accepted: number;
  /** Connections reset by `resetProbability`. */
  readonly resets: number;
  /** Connections killed by `down()`. */
  readonly killed: number;
  /** Connections open now. */
  readonly open: number;
  /** Bytes forwarded client → target and target → client. */
  readonly bytesUp: number;
  readonly bytesDown: number;
}

/** A TCP proxy with run-time faults, between a client under test and a real server. */
export interface ChaosProxy {
  readonly host: string;
  /** The port the proxy listens on; stays the same across `down()` / `up()`. */
  readonly port: number;
  /** Changes some toxics; the others keep their value. Applies to open connections at once. */
  set(toxics: Partial<Toxics>): void;
  /** Back to a clean link (all toxics off); does not undo `down()`. */
  clear(): void;
  readonly toxics: Readonly<Toxics>;
  /**
   * A crashed link: every open connection is reset and new ones are refused (the port stops
   * listening) until `up()`.
   */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Whether the proxy is listening (false between `down()` and `up()`). */
  readonly isUp: boolean;
  stats(): ProxyStats;
  /** Resets every connection and stops listening for good. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createChaosProxy}. */
export interface ChaosProxyOptions {
  /** Where connections are forwarded. */
  readonly target: { readonly host: string; readonly port: number };
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (an ephemeral port) */
  readonly port?: number;
  /** Toxics at start. @default all off */
  readonly toxics?: Partial<Toxics>;
  /** Source of randomness in [0, 1) for jitter and resets (a test can pin it). @default Math.random */
  readonly random?: () => number;
}

const CLEAN: Toxics = Object.freeze({ latencyMs: 0, jitterMs: 0, bandwidthBytesPerSec: 0, resetProbability: 0, blackhole: false });

function checkToxics(toxics: Partial<Toxics>): void {
  for (const field of ['latencyMs', 'jitterMs', 'bandwidthBytesPerSec'] as const) {
    const value = toxics[field];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`chaos proxy: ${field} must be a finite number ≥ 0 (got ${String(value)})`);
    }
  }
  const p = toxics.resetProbability;
  if (p !== undefined && !(Number.isFinite(p) && p >= 0 && p <= 1)) {
    throw new RangeError(`chaos proxy: resetProbability must be between 0 and 1 (got ${String(p)})`);
  }
  if (toxics.blackhole !== undefined && typeof toxics.blackhole !== 'boolean') {
    throw new TypeError(`chaos proxy: blackhole must be true or false (got ${String(toxics.blackhole)})`);
  }
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly pipes: Pipe[];
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`chaos proxy: cannot listen on ${host}:${String(port)}: ${error.message}`));
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/**
 * Starts a proxy on `host:port` (an ephemeral port by default) that forwards every connection to
 * `target`, applying the current toxics to each chunk in both directions.
 */
export async function createChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const host = options.host ?? '127.0.0.1';
  const random = options.random ?? Math.random;
  if (options.toxics !== undefined) checkToxics(options.toxics);
  let toxics: Toxics = { ...CLEAN, ...options.toxics };
  const links = new Set<Link>();
  const counts = { accepted: 0, resets: 0, killed: 0, bytesUp: 0, bytesDown: 0 };
  let closed = false;

  const reset = (link: Link): void => {
    if (!links.delete(link)) return;
    for (const pipe of link.pipes) pipe.dispose();
    // RST, not FIN: the peer sees ECONNRESET, as from a dropped connection.
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (!link.upstream.destroyed) link.upstream.resetAndDestroy();
  };

  const onConnection = (client: Socket): void => {
    counts.accepted += 1;
    client.setNoDelay(true);
    const upstream = connect({ host: options.target.host, port: options.target.port });
    upstream.setNoDelay(true);
    const link: Link = { client, upstream, pipes: [] };
    links.add(link);
    const settings = {
      toxics: () => toxics,
      random,
      onReset: () => {
        counts.resets += 1;
        reset(link);
      },
    };
    link.pipes.push(
      pipeChunks(client, upstream, { ...settings, counted: (n) => (counts.bytesUp += n) }),
      pipeChunks(upstream, client, { ...settings, counted: (n) => (counts.bytesDown += n) }),
    );
    // A failure on either side ends both: the target refusing or dropping us looks, to the client,
    // like the server dropping it.
    const end = (): void => reset(link);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };

  let server = createServer({ noDelay: true }, onConnection);
  const port = await listen(server, host, options.port ?? 0);
  let listening = true;

  const proxy: ChaosProxy = {
    host,
    port,
    get toxics() {
      return toxics;
    },
    get isUp() {
      return listening;
    },
    set(next) {
      checkToxics(next);
      const wasBlackhole = toxics.blackhole;
      toxics = { ...toxics, ...next };
      if (wasBlackhole && !toxics.blackhole) for (const link of links) for (const pipe of link.pipes) pipe.kick();
    },
    clear() {
      proxy.set(CLEAN);
    },
    async down() {
      if (!listening) return;
      listening = false;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of [...links]) {
        counts.killed += 1;
        reset(link);
      }
      await stopped;
    },
    async up() {
      if (listening || closed) return;
      server = createServer({ noDelay: true }, onConnection);
      await listen(server, host, port);
      listening = true;
    },
    stats: () => ({ ...counts, open: links.size }),
    async close() {
      if (closed) return;
      await proxy.down();
      closed = true;
    },
  };
  return proxy;
}
