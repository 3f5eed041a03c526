import { configValidate } from './commands/config-validate.js';
import { runDemo } from './commands/demo.js';
import { createPrinter, describeError } from './print.js';

const USAGE = `Usage: sanctum-storage <command>

Commands:
  demo                   A short tour of @sanctum/storage on its embedded in-memory stores (no servers)
  config validate FILE   Check a storage config (JSON); prints OK or every problem as "path: message"

Options:
  -h, --help             Show this help

Exit codes: 0 success, 1 invalid config or failed demo, 2 usage error or unreadable file`;

const EXIT_USAGE = 2;

async function main(argv: readonly string[]): Promise<number> {
  const out = createPrinter(process.stdout);
  const err = createPrinter(process.stderr);
  const usageError = (message: string): number => {
    err.line(`error: ${message}`);
    err.line();
    err.line(USAGE);
    return EXIT_USAGE;
  };

  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    out.line(USAGE);
    return 0;
  }
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      return usageError('missing command');
    case 'demo':
      if (rest.length > 0) return usageError(`demo takes no arguments (got: ${rest.join(' ')})`);
      return runDemo(out);
    case 'config': {
      const [sub, file, ...extra] = rest;
      if (sub !== 'validate') return usageError(sub === undefined ? 'missing subcommand: config validate FILE' : `unknown subcommand: config ${sub}`);
      if (file === undefined) return usageError('missing FILE: config validate FILE');
      if (extra.length > 0) return usageError(`config validate takes one FILE (got also: ${extra.join(' ')})`);
      return configValidate(file, out, err);
    }
    default:
      return usageError(`unknown command: ${command}`);
  }
}

try {
  const args = process.argv.slice(2);
  // `pnpm run start -- …` forwards the `--` separator itself.
  process.exitCode = await main(args[0] === '--' ? args.slice(1) : args);
} catch (error) {
  process.stderr.write(`error: ${describeError(error)}\n`);
  process.exitCode = 1;
}
