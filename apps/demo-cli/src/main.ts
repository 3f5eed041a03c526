import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { configPath } from './config/load.js';
import type { CommandContext, CommandResult } from './context.js';
import { requireConfig } from './context.js';
import { CliError, EXIT, exitCodeOf } from './exit-codes.js';
import { createOutput, printJson } from './ui/output.js';
import { describeError } from './print.js';
import { otlpRequested } from './otel-env.js';
import type { Telemetry } from './telemetry.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const EXIT_CODES_HELP = `
Exit codes:
  0    success (outbox relay: also when stopped by SIGINT/SIGTERM)
  1    operation failed; health found an adapter down; config validate found problems
  2    usage error (bad arguments, unreadable input file)
  3    config error (--config missing, unreadable, invalid, or holding a secret)
  4    not found (record, object, upload state)
  5    conflict (PRECONDITION_FAILED, ALREADY_EXISTS)
  6    backend unavailable or too slow (UNAVAILABLE, TIMEOUT, CIRCUIT_OPEN, BACKPRESSURE)
  130  interrupted (an interrupted blob put continues with --resume)

Environment:
  SANCTUM_STORAGE_CONFIG   config file when --config is not given
  NO_COLOR                 disable colour (colour is only ever used on a terminal)
  OTEL_*                   standard OpenTelemetry variables; OTLP trace export when an endpoint is set`;

interface GlobalOptions {
  config?: string;
  envFile?: string;
  json: boolean;
  trace: boolean;
  timeoutMs: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Builds the command tree; `run` executes a command with the global options resolved. */
function program(run: (action: (ctx: CommandContext) => Promise<CommandResult>) => Promise<void>): Command {
  const root = new Command('sanctum-storage')
    .description('Operate @sanctum/storage: records, blobs and streams on any configured adapter')
    .version(VERSION, '-V, --version')
    .option('-c, --config <file>', 'storage config (JSON); secrets as { "$env": "VAR" } (default: $SANCTUM_STORAGE_CONFIG)')
    .option('--env-file <file>', 'load environment variables from a file first (KEY=VALUE lines)')
    .option('--json', 'machine-readable output: one JSON document on stdout (NDJSON for stream tail)', false)
    .option('--trace', 'print OpenTelemetry spans to stderr', false)
    .option('--timeout-ms <ms>', 'deadline of each storage call', positiveInt, 30_000)
    .addHelpText('after', EXIT_CODES_HELP)
    .showSuggestionAfterError()
    .exitOverride();

  root
    .command('demo')
    .description('a tour: embedded stores with no servers; with --config, the same tour on your adapters')
    .action(() =>
      run(async (ctx) => {
        const config = ctx.configFile === undefined ? undefined : await requireConfig(ctx);
        const steps: Array<{ step: number; title: string; fields: Array<[string, string | number]>; lines: string[] }> = [];
        const printer = ctx.out.json
          ? {
              line: (text = '') => void (text !== '' && steps.at(-1)?.lines.push(text)),
              step: (step: number, title: string) => void steps.push({ step, title, fields: [], lines: [] }),
              field: (label: string, value: string | number) => void steps.at(-1)?.fields.push([label, value]),
            }
          : ctx.out;
        const code = await (await import('./commands/demo.js')).runDemo(printer, config);
        return { code, json: { ok: code === EXIT.OK, steps: steps.map((s) => ({ ...s, fields: Object.fromEntries(s.fields) })) } };
      }),
    );

  root
    .command('health')
    .description('open every configured adapter and report its health (exit 1 when one is down)')
    .action(() => run(async (ctx) => (await import('./commands/health.js')).health(ctx)));

  const migrate = root.command('migrate').description('PostgreSQL schema migrations of the record adapter');
  const adapterOpt = () => new Option('--adapter <name>', 'only this postgres adapter of the config');
  migrate
    .command('status')
    .description('applied, pending and edited migrations (exit 1 when not current)')
    .addOption(adapterOpt())
    .action((o: { adapter?: string }) => run(async (ctx) => (await import('./commands/migrate.js')).migrateStatus(ctx, o.adapter)));
  migrate
    .command('plan')
    .description('print the SQL that `migrate up` would run; change nothing')
    .addOption(adapterOpt())
    .action((o: { adapter?: string }) => run(async (ctx) => (await import('./commands/migrate.js')).migrateApply(ctx, o.adapter, true)));
  migrate
    .command('up')
    .description('apply pending migrations (each in a transaction, under an advisory lock)')
    .addOption(adapterOpt())
    .action((o: { adapter?: string }) => run(async (ctx) => (await import('./commands/migrate.js')).migrateApply(ctx, o.adapter, false)));

  const blob = root.command('blob').description('objects of a blob namespace');
  blob
    .command('put <namespace> <key> <file>')
    .description('stream a file up (progress bar on a terminal); resumable on s3 namespaces')
    .option('--resume', 'continue an interrupted upload from its state file')
    .option('--state <file>', 'upload state file (default: <file>.upload.json)')
    .option('--content-type <type>', 'Content-Type to store')
    .action((ns: string, key: string, file: string, o: { resume?: boolean; state?: string; contentType?: string }) => run(async (ctx) => (await import('./commands/blob.js')).blobPut(ctx, ns, key, file, o)));
  blob
    .command('get <namespace> <key> [out]')
    .description('stream an object down, checksum verified (out: a file, default the key basename; - for stdout)')
    .action((ns: string, key: string, out: string | undefined) => run(async (ctx) => (await import('./commands/blob.js')).blobGet(ctx, ns, key, out)));
  blob
    .command('ls <namespace>')
    .description('list one page of objects')
    .option('--prefix <prefix>')
    .option('--delimiter <d>', 'group keys into common prefixes')
    .option('--limit <n>', 'page size', positiveInt)
    .option('--cursor <cursor>', 'continue a listing')
    .action((ns: string, o: { prefix?: string; delimiter?: string; limit?: number; cursor?: string }) => run(async (ctx) => (await import('./commands/blob.js')).blobList(ctx, ns, o)));
  blob
    .command('rm <namespace> <key>')
    .description('delete an object (exit 4 when absent)')
    .action((ns: string, key: string) => run(async (ctx) => (await import('./commands/blob.js')).blobRemove(ctx, ns, key)));
  blob
    .command('presign <namespace> <key>')
    .description('a time-limited URL')
    .addOption(new Option('--method <method>').choices(['GET', 'PUT']).default('GET'))
    .option('--expires <seconds>', 'lifetime in seconds', positiveInt, 900)
    .action((ns: string, key: string, o: { method: 'GET' | 'PUT'; expires: number }) => run(async (ctx) => (await import('./commands/blob.js')).blobPresign(ctx, ns, key, o)));

  const records = root.command('records').description('JSON records of a record namespace');
  records
    .command('get <namespace> <key>')
    .description('a record with its version and etag (exit 4 when absent)')
    .addOption(new Option('--consistency <level>').choices(['strong', 'eventual']))
    .action((ns: string, key: string, o: { consistency?: 'strong' | 'eventual' }) => run(async (ctx) => (await import('./commands/records.js')).recordsGet(ctx, ns, key, o)));
  records
    .command('put <namespace> <key> [value]')
    .description("write a JSON value (argument, - for stdin, or --file); conditional with --if-match / --create (exit 5 on conflict)")
    .option('--file <file>', 'read the JSON value from a file')
    .option('--if-match <etag>', 'only if the current etag is this')
    .option('--create', 'only if the key does not exist')
    .action((ns: string, key: string, value: string | undefined, o: { file?: string; ifMatch?: string; create?: boolean }) => run(async (ctx) => (await import('./commands/records.js')).recordsPut(ctx, ns, key, value, o)));
  records
    .command('ls <namespace>')
    .description('list one page of records')
    .option('--prefix <prefix>')
    .option('--limit <n>', 'page size', positiveInt)
    .option('--cursor <cursor>', 'continue a listing')
    .action((ns: string, o: { prefix?: string; limit?: number; cursor?: string }) => run(async (ctx) => (await import('./commands/records.js')).recordsList(ctx, ns, o)));
  records
    .command('rm <namespace> <key>')
    .description('delete a record (exit 4 when absent, 5 when --if-match is stale)')
    .option('--if-match <etag>')
    .action((ns: string, key: string, o: { ifMatch?: string }) => run(async (ctx) => (await import('./commands/records.js')).recordsRemove(ctx, ns, key, o)));

  const stream = root.command('stream').description('messages of a stream namespace');
  stream
    .command('publish <namespace> [value]')
    .description('publish one JSON message (argument, - for stdin, or --file)')
    .option('--file <file>')
    .option('--key <key>', 'partition/ordering key')
    .option('--header <name=value...>', 'message headers')
    .action((ns: string, value: string | undefined, o: { file?: string; key?: string; header?: string[] }) => run(async (ctx) => (await import('./commands/stream.js')).streamPublish(ctx, ns, value, o)));
  stream
    .command('tail <namespace>')
    .description('consume and print messages until --count, --for-ms or Ctrl-C')
    .option('--group <group>', 'consumer group (default: a new one per run)')
    .addOption(new Option('--from <position>').choices(['earliest', 'latest']).default('latest'))
    .option('--count <n>', 'stop after n messages', positiveInt)
    .option('--for-ms <ms>', 'stop after this long', positiveInt)
    .action((ns: string, o: { group?: string; from: 'earliest' | 'latest'; count?: number; forMs?: number }) => run(async (ctx) => (await import('./commands/stream.js')).streamTail(ctx, ns, o)));

  const outbox = root.command('outbox').description('the transactional outbox of the postgres record adapters');
  outbox
    .command('relay')
    .description('deliver outbox messages to their streams until SIGINT/SIGTERM (finishes the batch in hand, exit 0), or --once')
    .option('--adapter <name...>', 'only these postgres adapters of the config (default: every one)')
    .option('--once', 'drain what can be sent now, then exit (1 when rows failed and stay pending)')
    .option('--batch-size <n>', 'rows claimed per batch (default 200)', positiveInt)
    .option('--idle-ms <ms>', 'poll interval when idle (default 250; commits wake the relay at once)', positiveInt)
    .option('--max-attempts <n>', 'failed publishes of a row before it is dead-lettered (default 10)', positiveInt)
    .option('--retention-ms <ms>', 'purge sent rows older than this (default one day)', positiveInt)
    .action((o: { adapter?: string[]; once?: boolean; batchSize?: number; idleMs?: number; maxAttempts?: number; retentionMs?: number }) =>
      run(async (ctx) => (await import('./commands/outbox.js')).outboxRelay(ctx, o)),
    );

  const config = root.command('config').description('config files');
  config
    .command('validate <file>')
    .description('check a config: schema, references, $env variables, and every installed adapter\'s options')
    .action((file: string) => run(async (ctx) => (await import('./commands/config-validate.js')).configValidate(ctx, file)));

  return root;
}

async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.OK;
  let json = argv.includes('--json');
  let telemetry: Telemetry | undefined;
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort(new CliError('interrupted', EXIT.INTERRUPTED, 'INTERRUPTED'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const run = async (action: (ctx: CommandContext) => Promise<CommandResult>): Promise<void> => {
    const opts = root.opts<GlobalOptions>();
    json = opts.json;
    const out = createOutput({ json });
    try {
      if (opts.envFile !== undefined) {
        try {
          process.loadEnvFile(opts.envFile);
        } catch (error) {
          throw new CliError(`cannot read --env-file ${opts.envFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`, EXIT.USAGE);
        }
      }
      // The SDK is loaded only when asked for: it is the heaviest import of the CLI.
      if (opts.trace || otlpRequested(process.env)) telemetry = (await import('./telemetry.js')).startTelemetry({ trace: opts.trace, serviceName: 'sanctum-storage-cli' });
      const result = await action({ out, interrupt: interrupt.signal, timeoutMs: opts.timeoutMs, configFile: configPath(opts.config, process.env) });
      if (json) printJson(result.json);
      exitCode = result.code;
    } catch (error) {
      exitCode = interrupt.signal.aborted && !(error instanceof CliError) ? EXIT.INTERRUPTED : exitCodeOf(error);
      const code = error instanceof CliError ? error.code : ((error as { code?: unknown }).code ?? 'FAILED');
      if (json) printJson({ ok: false, error: { code, message: describeError(error), exitCode } });
      process.stderr.write(`error: ${describeError(error)}\n`);
    }
  };
  const root: Command = program(run);
  try {
    await root.parseAsync(argv, { from: 'user' });
    if (root.args.length === 0 && process.exitCode === undefined && argv.length === 0) {
      root.outputHelp({ error: true });
      exitCode = EXIT.USAGE;
    }
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; parse errors with 1, which we map to USAGE.
      exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      if (json && exitCode !== EXIT.OK) printJson({ ok: false, error: { code: 'USAGE', message: error.message, exitCode } });
    } else {
      throw error;
    }
  } finally {
    await telemetry?.shutdown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCode;
}

// `sanctum-storage … | head`: a closed pipe ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

try {
  const args = process.argv.slice(2);
  // `pnpm run start -- …` forwards the `--` separator itself.
  process.exitCode = await main(args[0] === '--' ? args.slice(1) : args);
} catch (error) {
  process.stderr.write(`error: ${describeError(error)}\n`);
  process.exitCode = EXIT.FAILED;
}
