import { readFile } from 'node:fs/promises';
import { validateConfig, type ConfigIssue, type StorageConfig, type StorageConfigInput } from '@sanctum/storage-core';
import { CliError, EXIT } from '../exit-codes.js';

/** The environment variable naming the config file when `--config` is not given. */
export const CONFIG_ENV = 'SANCTUM_STORAGE_CONFIG';

/**
 * Option names that hold secrets. In a config file their value must be an environment reference
 * (`{ "$env": "NAME" }`), never the secret itself: config files get committed and shared.
 */
const SECRET_KEY = /(secret|password|passwd|token|credential|private)/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `scheme://user:password@host` — a URL carrying a password. */
function urlWithPassword(value: string): boolean {
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

/**
 * Replaces every `{ "$env": "NAME" }` (optionally `"type": "number" | "boolean" | "list"`, a list being comma-separated) with the variable's
 * value, and refuses secrets written in the file. Collects every problem, then throws them together.
 */
export function resolveEnvReferences(input: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  const { value, issues } = resolveEnv(input, env);
  if (issues.length > 0) throw new CliError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), EXIT.CONFIG);
  return value;
}

/** {@link resolveEnvReferences} without throwing: the resolved value and every problem found. */
export function resolveEnv(input: unknown, env: Readonly<Record<string, string | undefined>>): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const problem = (path: string, message: string) => void issues.push({ path, message });
  const walk = (value: unknown, path: string, key: string): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`, key));
    if (isObject(value)) {
      if ('$env' in value) {
        const name = value['$env'];
        const type = value['type'] ?? 'string';
        if (typeof name !== 'string' || name === '') {
          problem(path, `"$env" must name an environment variable`);
          return undefined;
        }
        const raw = env[name];
        if (raw === undefined || raw === '') {
          problem(path, `environment variable ${name} is not set (export it, or pass --env-file FILE)`);
          return undefined;
        }
        if (type === 'number') {
          const n = Number(raw);
          if (!Number.isFinite(n)) problem(path, `environment variable ${name} is not a number`);
          return n;
        }
        if (type === 'boolean') {
          if (!/^(true|false|1|0|yes|no)$/i.test(raw)) problem(path, `environment variable ${name} is not a boolean (true/false)`);
          return /^(true|1|yes)$/i.test(raw);
        }
        if (type === 'list') return raw.split(',').map((item) => item.trim()).filter(Boolean);
        if (type !== 'string') problem(path, `"type" must be "string", "number", "boolean" or "list"`);
        return raw;
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, path === '' ? k : `${path}.${k}`, k)]));
    }
    if (typeof value === 'string' && path.includes('.options')) {
      if (SECRET_KEY.test(key) && value !== '') {
        problem(path, `a secret written in the config file; use { "$env": "VARIABLE" } and set the variable`);
      } else if (urlWithPassword(value)) {
        problem(path, `the URL carries a password; write it as { "$env": "VARIABLE" } and set the variable`);
      }
    }
    return value;
  };
  return { value: walk(input, '', ''), issues };
}

/** The config file to use: `--config`, else `$SANCTUM_STORAGE_CONFIG`, else none. */
export function configPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  return flag ?? (env[CONFIG_ENV] || undefined);
}

/** Reads a JSON file, mapping I/O and parse errors to a CliError with `exitCode`. */
export async function readJsonFile(file: string, exitCode: number): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new CliError(`cannot read ${file}: ${reason}`, exitCode);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`, exitCode);
  }
}

/** A loaded config: the resolved input (for the client) and its parsed form (for lookups). */
export interface LoadedConfig {
  readonly file: string;
  readonly input: StorageConfigInput;
  readonly parsed: StorageConfig;
}

/** Reads, resolves and validates the config file (core's schema; adapter options at client creation). */
export async function loadConfig(file: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<LoadedConfig> {
  const raw = await readJsonFile(file, EXIT.CONFIG);
  const resolved = resolveEnvReferences(raw, env);
  const result = validateConfig(resolved);
  if (!result.ok) throw new CliError(`${file}: invalid config:\n${result.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, EXIT.CONFIG);
  return { file, input: resolved as StorageConfigInput, parsed: result.config };
}
