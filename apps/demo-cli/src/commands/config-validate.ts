import { validateConfig, type AdapterFactory, type ConfigIssue } from '@sanctum/storage-core';
import { readJsonFile, resolveEnv } from '../config/load.js';
import type { CommandContext, CommandResult } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { allFactories, installedNames } from '../runtime.js';

/** Exit codes of `config validate`. */
export const EXIT_OK = EXIT.OK;
export const EXIT_INVALID = EXIT.FAILED;
export const EXIT_UNREADABLE = EXIT.USAGE;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaIssues(factory: AdapterFactory, options: unknown, base: string): ConfigIssue[] {
  const result = factory.optionsSchema['~standard'].validate(options ?? {});
  if (result instanceof Promise || result.issues === undefined) return [];
  return result.issues.map((issue) => {
    const sub = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return { path: `${base}.options${sub ? `.${sub}` : ''}`, message: issue.message };
  });
}

/**
 * Options of every adapter and cache this CLI ships, checked with each adapter's own schema the way
 * the client would at creation; an unknown `use` names the installed ones.
 */
export async function adapterOptionIssues(input: unknown): Promise<ConfigIssue[]> {
  const factories = await allFactories();
  const issues: ConfigIssue[] = [];
  for (const section of ['adapters', 'caches'] as const) {
    const entries = isObject(input) && isObject(input[section]) ? input[section] : {};
    const candidates = factories.filter((f) => f.section === section).map((f) => f.factory);
    for (const [name, entry] of Object.entries(entries)) {
      if (!isObject(entry) || typeof entry['use'] !== 'string') continue;
      const factory = candidates.find((f) => f.name === entry['use']);
      if (factory === undefined) {
        // The embedded memory stores are built into core; they take no adapter entry to check here.
        if (section === 'adapters' && entry['use'] === 'memory') continue;
        issues.push({ path: `${section}.${name}.use`, message: `unknown ${section === 'caches' ? 'cache' : 'adapter'} "${entry['use']}" (installed: ${installedNames(section).join(', ')})` });
        continue;
      }
      issues.push(...schemaIssues(factory, entry['options'], `${section}.${name}`));
    }
  }
  return issues;
}

/** `config validate FILE`: prints `OK`, or every problem as `path: message`. */
export async function configValidate(ctx: CommandContext, file: string): Promise<CommandResult> {
  const raw = await readJsonFile(file, EXIT_UNREADABLE);
  const env = resolveEnv(raw, process.env);
  const result = validateConfig(env.value);
  const seen = new Set<string>();
  const issues = [...env.issues, ...(result.ok ? [] : result.issues), ...(await adapterOptionIssues(env.value))].filter((i) => {
    const id = `${i.path}\u0000${i.message}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
  if (issues.length === 0) {
    ctx.out.line('OK');
    return { code: EXIT_OK, json: { ok: true, file, issues: [] } };
  }
  for (const issue of issues) ctx.out.line(`${issue.path}: ${issue.message}`);
  if (!ctx.out.json) process.stderr.write(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`);
  return { code: EXIT_INVALID, json: { ok: false, file, issues } };
}
