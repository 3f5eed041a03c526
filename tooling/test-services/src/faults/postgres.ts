import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { makePrivateDir, startServer, type PrivateServer } from './private-server.js';

function binary(name: string): string {
  for (const dir of ['/usr/local/bin', '/usr/lib/postgresql/15/bin', '/usr/bin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return name;
}

// PostgreSQL refuses to run as root; when the tests run as root, the server runs as `postgres`.
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Options of `startPrivatePostgres`. */
export interface PrivatePostgresOptions {
  /**
   * The password of the `postgres` superuser. When set, TCP connections must authenticate with
   * SCRAM-SHA-256 (`pg_hba.conf` host lines) and the URL carries the password; when absent, TCP
   * connections are trusted.
   */
  readonly password?: string;
}

/**
 * Starts a private PostgreSQL (its own data directory and port) with durable settings: `fsync = on`,
 * `synchronous_commit = on`, `full_page_writes = on`, so every acknowledged commit survives a SIGKILL.
 * Listens on 127.0.0.1 only; trust auth unless `options.password` asks for SCRAM. Stop it with
 * `stop()` in `afterAll`.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivateServer> {
  const owner = serverUser();
  const dir = makePrivateDir('postgres', owner);
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const port = await freePort();
  const as = owner === undefined ? {} : { uid: owner.uid, gid: owner.gid };
  const auth = ['-A', 'trust'];
  const pwfile = join(dir, 'pwfile');
  if (options.password !== undefined) {
    // initdb reads the superuser's password from a file the server's user can read; removed after.
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
    if (owner !== undefined) chownSync(pwfile, owner.uid, owner.gid);
    auth.splice(0, 2, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  }
  try {
    execFileSync(binary('initdb'), ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C.UTF-8', '-N'], { stdio: 'ignore', ...as });
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      '',
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'max_connections = 100',
      'fsync = on',
      'synchronous_commit = on',
      'full_page_writes = on',
      "password_encryption = 'scram-sha-256'",
      '',
    ].join('\n'),
  );
  const pidFile = join(data, 'postmaster.pid');
  return startServer(
    {
      kind: 'postgres',
      command: binary('postgres'),
      args: ['-D', data],
      pidFile,
      url: `postgres://postgres${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}`}@127.0.0.1:${port}/postgres`,
      // The 8th line of postmaster.pid is the server status; `ready` means it accepts connections.
      ready: async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').split('\n')[7]?.trim() === 'ready',
      spawnOptions: as,
    },
    port,
    dir,
  );
}
