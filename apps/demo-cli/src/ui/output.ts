import { styleText } from 'node:util';

type Style = 'green' | 'red' | 'yellow' | 'bold' | 'dim' | 'cyan';

/**
 * Colour only when the stream is a terminal and NO_COLOR is unset or empty (https://no-color.org);
 * never in pipes, files or `--json` output.
 */
export function colourEnabled(stream: NodeJS.WriteStream, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return stream.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
}

/** Where a command writes text. `json` mode: text lines are suppressed, `result` is printed as JSON. */
export interface Output {
  readonly json: boolean;
  /** A plain text line on stdout (suppressed in JSON mode). */
  line(text?: string): void;
  /** Colours `text` when colour is on. */
  paint(style: Style, text: string): string;
  /** A numbered step heading, preceded by a blank line. */
  step(n: number, title: string): void;
  /** An indented `label  value` line under a step. */
  field(label: string, value: string | number): void;
  /** A warning/diagnostic on stderr (also in JSON mode: stdout stays parseable). */
  note(text: string): void;
}

const LABEL_WIDTH = 14;

export function createOutput(options: { json: boolean; stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream }): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const colour = !options.json && colourEnabled(stdout);
  const line = (text = '') => {
    if (!options.json) stdout.write(`${text}\n`);
  };
  // `validateStream: false`: the decision is `colourEnabled`'s alone (one rule, tested), not Node's.
  const paint = (style: Style, text: string) => (colour ? styleText(style, text, { validateStream: false }) : text);
  return {
    json: options.json,
    line,
    paint,
    step(n, title) {
      line();
      line(paint('bold', `${n}. ${title}`));
    },
    field(label, value) {
      line(`   ${paint('cyan', label.padEnd(LABEL_WIDTH))}${value}`);
    },
    note(text) {
      const c = colourEnabled(stderr);
      stderr.write(`${c ? styleText('yellow', text, { validateStream: false }) : text}\n`);
    },
  };
}

/** Writes a command's JSON result: one document, one line. */
export function printJson(value: unknown, stdout: NodeJS.WritableStream = process.stdout): void {
  stdout.write(`${JSON.stringify(value)}\n`);
}
