import type { LogLevel, Logger } from '@sanctum/storage-core/spi';
import { logLevel, type logCreator } from 'kafkajs';

const LEVELS: Readonly<Partial<Record<number, LogLevel>>> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs' own log lines to core's structured logger as `storage.stream.kafka` events. */
export function kafkaLogCreator(logger: Logger | undefined, instance: string | undefined): logCreator {
  return () => (entry) => {
    if (logger === undefined) return;
    const { message, ...fields } = entry.log;
    logger.log({
      event: 'storage.stream.kafka',
      level: LEVELS[entry.level] ?? 'debug',
      adapter: 'kafka',
      ...(instance === undefined ? {} : { instance }),
      origin: entry.namespace,
      message,
      ...(typeof fields['error'] === 'string' ? { error: fields['error'] } : {}),
    });
  };
}
