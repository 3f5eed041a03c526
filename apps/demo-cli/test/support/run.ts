import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/sanctum-storage.js', import.meta.url));

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

/** Runs the CLI the way its `bin` does, in a child process with piped (non-TTY) stdio. */
export function cli(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  // The runner may set these; the CLI must decide colour from the terminal alone.
  delete env['FORCE_COLOR'];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? fileURLToPath(new URL('../unit/fixtures/', import.meta.url)), env, timeout: options.timeoutMs ?? 55_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses stdout as one JSON document (throws with the output when it is not). */
export function json(run: Run): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

/** ANSI escape sequences (colour, cursor). */
// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
export const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/;
