import { migrateUp, migrationStatus, type PostgresRecordStoreOptions } from '@sanctum/storage-postgres';
import { requireConfig, withDeadline, type CommandContext, type CommandResult } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { LoadedConfig } from '../config/load.js';

/** The postgres adapter instances of the config, or the one `--adapter` names. */
function postgresAdapters(config: LoadedConfig, only: string | undefined): Array<[string, PostgresRecordStoreOptions]> {
  const all = Object.entries(config.input.adapters ?? {}).filter(([, a]) => a.use === 'postgres');
  const chosen = only === undefined ? all : all.filter(([name]) => name === only);
  if (chosen.length === 0) {
    const names = all.map(([name]) => name);
    throw new CliError(
      only === undefined
        ? `${config.file} defines no postgres adapter: nothing to migrate`
        : `no postgres adapter "${only}" in ${config.file} (postgres adapters: ${names.length > 0 ? names.join(', ') : 'none'})`,
      EXIT.USAGE,
    );
  }
  return chosen.map(([name, a]) => [name, (a.options ?? {}) as PostgresRecordStoreOptions]);
}

/** `migrate status`: applied, pending and edited migrations per postgres adapter. Exit 1 when not current. */
export async function migrateStatus(ctx: CommandContext, adapter: string | undefined): Promise<CommandResult> {
  const config = await requireConfig(ctx);
  const results: Record<string, unknown> = {};
  let current = true;
  for (const [name, options] of postgresAdapters(config, adapter)) {
    const status = await withDeadline(migrationStatus(options), ctx.timeoutMs, 'migrate status');
    results[name] = status;
    current &&= status.current;
    const { out } = ctx;
    out.line(`${out.paint('bold', name)}: ${status.current ? out.paint('green', 'current') : out.paint('yellow', 'NOT current')}`);
    for (const m of status.applied) out.line(`  applied  ${String(m.id).padStart(3)} ${m.name}  ${m.appliedAt.toISOString()}`);
    for (const m of status.pending) out.line(`  pending  ${String(m.id).padStart(3)} ${m.name}`);
    for (const m of status.changed) out.line(out.paint('red', `  EDITED   ${String(m.id).padStart(3)} ${m.name} (applied ${m.applied.slice(0, 12)}, now ${m.current.slice(0, 12)})`));
    for (const m of status.unknown) out.line(`  unknown  ${String(m.id).padStart(3)} ${m.name} (applied by a newer version)`);
  }
  return { code: current ? EXIT.OK : EXIT.FAILED, json: { current, adapters: results } };
}

/** `migrate plan` (dry run: prints the SQL) and `migrate up` (applies pending migrations). */
export async function migrateApply(ctx: CommandContext, adapter: string | undefined, dryRun: boolean): Promise<CommandResult> {
  const config = await requireConfig(ctx);
  const results: Record<string, unknown> = {};
  for (const [name, options] of postgresAdapters(config, adapter)) {
    const run = await withDeadline(migrateUp(options, { dryRun }), ctx.timeoutMs, dryRun ? 'migrate plan' : 'migrate up');
    results[name] = { dryRun: run.dryRun, migrations: run.migrations.map(({ id, name: n, checksum }) => ({ id, name: n, checksum })), ...(dryRun ? { script: run.script } : {}) };
    const { out } = ctx;
    const verb = dryRun ? 'would apply' : 'applied';
    out.line(`${out.paint('bold', name)}: ${run.migrations.length === 0 ? 'nothing to do (current)' : `${verb} ${run.migrations.map((m) => `${m.id} ${m.name}`).join(', ')}`}`);
    if (dryRun && run.migrations.length > 0) out.line(run.script);
  }
  return { code: EXIT.OK, json: { dryRun, adapters: results } };
}
