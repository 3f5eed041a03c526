import { isStorageError } from '@sanctum/storage-core';

/** Where a command writes: plain text lines, no colours, so output reads the same in logs and tests. */
export interface Printer {
  /** A line as is. */
  line(text?: string): void;
  /** A numbered step heading, preceded by a blank line. */
  step(n: number, title: string): void;
  /** An indented `label  value` line under a step. */
  field(label: string, value: string | number): void;
}

const LABEL_WIDTH = 14;

/** A printer over a writable stream (stdout by default). */
export function createPrinter(out: NodeJS.WritableStream = process.stdout): Printer {
  const line = (text = '') => void out.write(`${text}\n`);
  return {
    line,
    step(n, title) {
      line();
      line(`${n}. ${title}`);
    },
    field(label, value) {
      line(`   ${label.padEnd(LABEL_WIDTH)}${value}`);
    },
  };
}

/** `CODE: message` for storage errors, the message for anything else. */
export function describeError(error: unknown): string {
  if (isStorageError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

