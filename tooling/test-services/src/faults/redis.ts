import { join } from 'node:path';
import { ask, freePort } from './ports.js';
import { makePrivateDir, startServer, type PrivateServer } from './private-server.js';

/** Options of a private Redis. */
export interface PrivateRedisOptions {
  /** Sets `requirepass`; the URL then carries it. */
  readonly password?: string;
}

/**
 * Starts a private Redis (its own directory and port) with durable settings: `appendonly yes`,
 * `appendfsync always`, so every acknowledged write is on disk before the reply and survives a
 * SIGKILL. Stop it with `stop()` in `afterAll`.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateServer> {
  const dir = makePrivateDir('redis');
  const port = await freePort();
  const pidFile = join(dir, 'redis.pid');
  const auth = options.password === undefined ? [] : ['--requirepass', options.password];
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--pidfile', pidFile, '--logfile', join(dir, 'redis.log')];
  args.push('--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', ...auth);
  const credentials = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return startServer(
    {
      kind: 'redis',
      command: 'redis-server',
      args,
      pidFile,
      url: `redis://${credentials}127.0.0.1:${port}`,
      // Any RESP answer (PONG, or NOAUTH with a password) means it is loaded and serving.
      ready: async () => /^(\+PONG|-NOAUTH)/.test(await ask(port, 'PING\r\n')),
    },
    port,
    dir,
  );
}
