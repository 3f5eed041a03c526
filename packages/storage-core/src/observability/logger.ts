/** Severity of a structured log event. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One structured log event. `event` is a stable dotted name (`storage.error`, `acl.decision`); the
 * other fields depend on it and are documented in docs/observability.md. Keys and principals never
 * appear in plain text.
 */
export interface LogEvent {
  readonly event: string;
  readonly level: LogLevel;
  readonly correlationId?: string;
  readonly [field: string]: unknown;
}

/** Where core sends log events. Bring your own (pino, winston) with a one-line adapter. */
export interface Logger {
  log(event: LogEvent): void;
}

const NOOP_LOGGER: Logger = { log() {} };

/** A logger that drops everything: the default. */
export function createNoopLogger(): Logger {
  return NOOP_LOGGER;
}

/** True for {@link createNoopLogger}'s logger: a layer may then skip work done only for a log line (a clock read). */
export function logsNothing(logger: Logger): boolean {
  return logger === NOOP_LOGGER;
}

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. @default 'info' */
  readonly level?: LogLevel;
  /** Receives one JSON line per event. @default writes to process.stderr */
  readonly write?: (line: string) => void;
  /** Clock for the `time` field. @default Date.now */
  readonly now?: () => number;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger writing one JSON object per line with an ISO `time` field. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? Date.now;
  return {
    log(event) {
      if (LEVEL_RANK[event.level] < threshold) return;
      write(JSON.stringify({ time: new Date(now()).toISOString(), ...event }) + '\n');
    },
  };
}
