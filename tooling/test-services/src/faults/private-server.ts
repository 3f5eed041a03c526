import { spawn, type SpawnOptions } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './ports.js';
import { PRIVATE_MARKER, crashServer, isAlive, readPid, resumeServer, stallServer } from './signals.js';

/** A server process of a test's own: private data directory, private port, safe to fault. */
export interface PrivateServer {
  /** `postgres` or `redis`. */
  readonly kind: string;
  readonly port: number;
  /** A connection URL for the driver. */
  readonly url: string;
  /** The data directory (removed by `stop`). */
  readonly dir: string;
  /** Where the server writes its pid; the fault functions take this path. */
  readonly pidFile: string;
  /** The current server pid (changes on every restart). */
  pid(): number;
  /** SIGSTOP to the whole server. */
  stall(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGKILL, then waits until the process is gone. */
  crash(): Promise<void>;
  /** Starts the server again on the same port and data (after `crash`), and waits until it answers. */
  restart(): Promise<void>;
  /** Resumes if stalled, stops the server and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

/** How one kind of server is started and probed. */
export interface ServerRecipe {
  readonly kind: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly pidFile: string;
  readonly url: string;
  readonly ready: () => Promise<boolean>;
  readonly spawnOptions?: SpawnOptions;
  readonly startTimeoutMs?: number;
}

/** A fresh temp directory holding the private-server marker (the fault functions check it). */
export function makePrivateDir(kind: string, owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), `sanctum-${kind}-`));
  writeFileSync(join(dir, PRIVATE_MARKER), `${kind}\n`);
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

async function launch(recipe: ServerRecipe, dir: string): Promise<void> {
  // A pid file left by a crash would make the readiness probe answer for the dead server.
  rmSync(recipe.pidFile, { force: true });
  // The server's own output, so a failed start can say why.
  const logFile = join(dir, 'server.log');
  const log = openSync(logFile, 'a');
  // detached: the server outlives a crashed test worker's signals and does not share its group.
  const child = spawn(recipe.command, [...recipe.args], { detached: true, stdio: ['ignore', log, log], ...recipe.spawnOptions });
  closeSync(log);
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  await waitUntil(
    async () => {
      if (exited !== undefined) throw new Error(`${recipe.kind} exited with code ${exited} while starting`);
      return recipe.ready();
    },
    recipe.startTimeoutMs ?? 30_000,
    `private ${recipe.kind}`,
  ).catch((error: unknown) => {
    if (exited !== undefined) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
      throw new Error(`private ${recipe.kind} exited with code ${exited} while starting: ${tail}`);
    }
    throw error;
  });
}

/** Starts a server from `recipe` in `dir` and returns the handle the tests fault. */
export async function startServer(recipe: ServerRecipe, port: number, dir: string): Promise<PrivateServer> {
  await launch(recipe, dir);
  let stopped = false;
  const server: PrivateServer = {
    kind: recipe.kind,
    port,
    url: recipe.url,
    dir,
    pidFile: recipe.pidFile,
    pid: () => readPid(recipe.pidFile),
    stall: () => void stallServer(recipe.pidFile),
    resume: () => void resumeServer(recipe.pidFile),
    crash: async () => void (await crashServer(recipe.pidFile)),
    restart: () => launch(recipe, dir),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        const pid = readPid(recipe.pidFile);
        if (isAlive(pid)) {
          resumeServer(recipe.pidFile);
          await crashServer(recipe.pidFile);
        }
      } catch {
        // no pid file: the server is not running
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
