import { DEAD_LETTER } from '@sanctum/storage-core/spi';

const MAX_ERROR_TEXT = 1024;

/** The error text a dead letter carries: `Name: message`, at most 1 KiB. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_TEXT ? text.slice(0, MAX_ERROR_TEXT) : text;
}

/** The original headers plus the dead-letter headers every adapter writes. */
export function deadLetterHeaders(
  headers: Readonly<Record<string, string>>,
  error: unknown,
  attempts: number,
  originalId: string,
): Record<string, string> {
  return {
    ...headers,
    [DEAD_LETTER.errorHeader]: describeError(error),
    [DEAD_LETTER.attemptsHeader]: String(attempts),
    [DEAD_LETTER.originalIdHeader]: originalId,
  };
}
