import { readFile } from 'node:fs/promises';
import { validateConfig, type ConfigIssue } from '@sanctum/storage-core';
import { memoryCache } from '@sanctum/storage-cache-memory';
import type { Printer } from '../print.js';

/** Exit codes of `config validate`. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_UNREADABLE = 2;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Options of adapters this CLI ships (the memory cache), checked with the adapter's own schema the
 * way the client would at creation. Other adapters' options are checked by their packages.
 */
function adapterOptionIssues(input: unknown): ConfigIssue[] {
  const caches = isObject(input) && isObject(input['caches']) ? input['caches'] : {};
  const factory = memoryCache();
  const issues: ConfigIssue[] = [];
  for (const [name, cache] of Object.entries(caches)) {
    if (!isObject(cache) || cache['use'] !== factory.name) continue;
    const result = factory.optionsSchema['~standard'].validate(cache['options'] ?? {});
    if (result instanceof Promise || result.issues === undefined) continue;
    for (const issue of result.issues) {
      const sub = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      issues.push({ path: `caches.${name}.options${sub ? `.${sub}` : ''}`, message: issue.message });
    }
  }
  return issues;
}

/** `config validate FILE`: prints `OK`, or every problem as `path: message`. */
export async function configValidate(file: string, out: Printer, err: Printer): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(error);
    err.line(`error: cannot read ${file}: ${reason}`);
    return EXIT_UNREADABLE;
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    err.line(`error: ${file} is not valid JSON: ${(error as Error).message}`);
    return EXIT_UNREADABLE;
  }
  const result = validateConfig(input);
  const issues = [...(result.ok ? [] : result.issues), ...adapterOptionIssues(input)];
  if (issues.length === 0) {
    out.line('OK');
    return EXIT_OK;
  }
  for (const issue of issues) out.line(`${issue.path}: ${issue.message}`);
  err.line(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`);
  return EXIT_INVALID;
}
