import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ENV_FILE_NAME = '.services.env';

/** Walks up from `start` and returns the first `.services.env` found, or undefined. */
export function findEnvFile(start: string = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, ENV_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Parses KEY=VALUE lines; blank lines and `#` comments are ignored, surrounding quotes removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).replace(/^export\s+/, '').trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1);
    }
    out[key] = value;
  }
  return out;
}

export interface LoadedEnvFile {
  path: string;
  values: Record<string, string>;
}

export function loadEnvFile(start?: string): LoadedEnvFile | undefined {
  const path = findEnvFile(start);
  if (path === undefined) return undefined;
  return { path, values: parseEnvFile(readFileSync(path, 'utf8')) };
}
