import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** True when tmux is on PATH (`pretest` installs it with apt when missing). */
export function haveTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A command run in a real pseudo-terminal: a detached tmux session on a private socket (never the
 * user's tmux server). `screen()` is the pane with its SGR colour sequences (`capture-pane -e`).
 */
export class TmuxRun {
  readonly #socket: string;
  readonly #session = 'cli';

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `shellCommand` in an 200×40 terminal; the pane stays after it exits and shows `EXIT=<code>`. */
  static async start(shellCommand: string): Promise<TmuxRun> {
    const run = new TmuxRun(`sanctum-cli-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    await exec('tmux', ['-L', run.#socket, '-f', '/dev/null', 'new-session', '-d', '-s', run.#session, '-x', '200', '-y', '40', `${shellCommand}; echo EXIT=$?; sleep 600`]);
    return run;
  }

  async screen(): Promise<string> {
    const { stdout } = await exec('tmux', ['-L', this.#socket, 'capture-pane', '-p', '-e', '-J', '-t', this.#session]);
    return stdout;
  }

  /** Polls the pane until `pattern` shows, or fails with the last screen. */
  async waitFor(pattern: RegExp, timeoutMs = 45_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (pattern.test(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${pattern} in the terminal:\n${last}`);
  }

  /** Types keys into the terminal (tmux key names, e.g. `C-c` for Ctrl-C). */
  async keys(...keys: string[]): Promise<void> {
    await exec('tmux', ['-L', this.#socket, 'send-keys', '-t', this.#session, ...keys]);
  }

  async close(): Promise<void> {
    await exec('tmux', ['-L', this.#socket, 'kill-server']).catch(() => undefined);
  }
}
