import cliProgress from 'cli-progress';

/** Reports bytes moved; a no-op when stderr is not a terminal. */
export interface Progress {
  update(bytes: number): void;
  stop(): void;
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value.toFixed(1)} ${units[unit]}`;
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A progress bar with bytes, rate and ETA (cli-progress) on stderr when stderr is a terminal; nothing
 * otherwise, so pipes and logs stay clean. `startAt` is where a resumed transfer begins.
 */
export function createProgress(label: string, total: number, startAt = 0, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY !== true) return { update() {}, stop() {} };
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // Fits 80 columns (cli-progress cuts longer lines): the command's result line names the key.
      format: `${label} [{bar}] {percentage}% {done}/{size} {rate}/s ETA {remaining}`,
      barsize: 20,
      hideCursor: true,
      // Whether to draw is decided above (terminal only), not by cli-progress's own TTY check.
      noTTYOutput: true,
      clearOnComplete: false,
      fps: 8,
      etaBuffer: 20,
    },
    cliProgress.Presets.legacy,
  );
  const payload = (bytes: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? (bytes - startAt) / seconds : 0;
    return { done: human(bytes), size: human(total), rate: human(rate), remaining: eta(rate > 0 ? (total - bytes) / rate : Number.NaN) };
  };
  bar.start(Math.max(total, 1), startAt, payload(startAt));
  return {
    update(bytes) {
      bar.update(bytes, payload(bytes));
    },
    stop() {
      bar.stop();
    },
  };
}

export { human as humanBytes };
