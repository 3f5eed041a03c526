import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The file that marks a directory as a private server made by these helpers. Faults are only ever
 * sent to a process whose pid file sits next to this marker, so the rig's shared servers (which
 * other test runs use at the same time) can never be stalled or killed by mistake.
 */
export const PRIVATE_MARKER = '.sanctum-private-server';

/** The pid named on the first line of `pidFile` (Redis and PostgreSQL both write it there). */
export function readPid(pidFile: string): number {
  const first = readFileSync(pidFile, 'utf8').split('\n', 1)[0]?.trim() ?? '';
  const pid = Number(first);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`pid file ${pidFile} does not start with a pid (found "${first}")`);
  return pid;
}

/** True when the process exists (signal 0 probes without delivering anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function privatePid(pidFile: string): number {
  // The marker sits in the server's private directory: beside the pid file or one level up (PostgreSQL
  // keeps postmaster.pid in its data directory inside it).
  const dir = dirname(pidFile);
  if (!existsSync(join(dir, PRIVATE_MARKER)) && !existsSync(join(dirname(dir), PRIVATE_MARKER))) {
    throw new Error(
      `refusing to fault the server of ${pidFile}: it was not started by startPrivatePostgres/startPrivateRedis ` +
        `(no ${PRIVATE_MARKER} beside it); shared rig servers must never be faulted`,
    );
  }
  return readPid(pidFile);
}

/** Direct children of `pid`, read from /proc (PostgreSQL backends leave the postmaster's process group). */
function childrenOf(pid: number): number[] {
  // One small file when the kernel offers it (CONFIG_PROC_CHILDREN): scanning all of /proc blocks
  // the test's event loop for tens of milliseconds, which the fault tests would count as call latency.
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    // not available: scan /proc
  }
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

// A signal goes to the server and every process it forked (PostgreSQL backends included): a stall
// freezes the whole server, a crash leaves no orphaned backend holding shared memory that would block
// the restart. The parent is signalled first so it cannot fork a new child meanwhile.
function signalServer(pidFile: string, signal: NodeJS.Signals): number[] {
  const pid = privatePid(pidFile);
  // A killed parent's children are handed to init at once, and could no longer be found: stop the
  // parent first (it can then neither fork nor lose its children), find them, then signal them all.
  process.kill(pid, signal === 'SIGCONT' ? 'SIGCONT' : 'SIGSTOP');
  const children = childrenOf(pid);
  for (const child of children) {
    try {
      process.kill(child, signal);
    } catch {
      // already gone
    }
  }
  if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') process.kill(pid, signal);
  return [pid, ...children];
}

/** Freezes a private server (SIGSTOP to its process group): sockets stay open, nothing answers. */
export function stallServer(pidFile: string): number {
  return signalServer(pidFile, 'SIGSTOP')[0]!;
}

/** Lets a stalled private server run again (SIGCONT). */
export function resumeServer(pidFile: string): number {
  return signalServer(pidFile, 'SIGCONT')[0]!;
}

/** Kills a private server without any chance to clean up (SIGKILL), as a power loss would. */
export async function crashServer(pidFile: string, timeoutMs = 10_000): Promise<number> {
  const pids = signalServer(pidFile, 'SIGKILL');
  // A stopped process still dies on SIGKILL; wait until the server AND every process it forked are
  // really gone: a PostgreSQL backend still exiting holds the shared memory, and a restart meanwhile
  // fails ("pre-existing shared memory block is still in use").
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0) return pids[0]!;
    if (Date.now() > deadline) throw new Error(`pids ${alive.join(', ')} still alive ${timeoutMs} ms after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Alive and not a zombie (a zombie has exited; only its parent has not collected it yet). */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
