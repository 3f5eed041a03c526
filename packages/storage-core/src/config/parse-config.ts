import { StorageError } from '../errors/index.js';
import { describeType } from '../validation/where.js';
import { SUPPORTED_SCHEMA_VERSIONS, storageConfigV1, type StorageConfig } from './schema.js';

/** One problem in a config: where (`namespaces.users.cache`) and what. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** The outcome of {@link validateConfig}. */
export type ConfigValidation =
  | { readonly ok: true; readonly config: StorageConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** References between sections, checked on the raw input so they are reported with shape errors. */
function referenceIssues(input: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const adapters = isObject(input['adapters']) ? input['adapters'] : {};
  const caches = isObject(input['caches']) ? input['caches'] : {};
  const namespaces = isObject(input['namespaces']) ? input['namespaces'] : {};
  for (const [nsName, ns] of Object.entries(namespaces)) {
    if (!isObject(ns)) continue;
    const adapter = ns['adapter'];
    if (typeof adapter === 'string' && !Object.hasOwn(adapters, adapter)) {
      const known = Object.keys(adapters);
      issues.push({
        path: `namespaces.${nsName}.adapter`,
        message: `adapter "${adapter}" is not defined under "adapters" (defined: ${known.length ? known.join(', ') : 'none'})`,
      });
    }
    const cache = ns['cache'];
    if (typeof cache === 'string' && !Object.hasOwn(caches, cache)) {
      const known = Object.keys(caches);
      issues.push({
        path: `namespaces.${nsName}.cache`,
        message: `cache "${cache}" is not defined under "caches" (defined: ${known.length ? known.join(', ') : 'none'})`,
      });
    }
    if (ns['consistency'] === 'cache_only' && cache === undefined) {
      issues.push({
        path: `namespaces.${nsName}.consistency`,
        message: '"cache_only" needs a cache: set "cache" on this namespace or choose "strong" or "eventual"',
      });
    }
  }
  return issues;
}

/**
 * Checks a config without throwing. Every invalid path is reported at once; an unknown
 * `schemaVersion` is refused before anything else, naming the versions this release reads.
 */
export function validateConfig(input: unknown): ConfigValidation {
  if (!isObject(input)) {
    return { ok: false, issues: [{ path: '(root)', message: 'expected an object' }] };
  }
  const version = input['schemaVersion'];
  if (version === undefined) {
    return {
      ok: false,
      issues: [{ path: 'schemaVersion', message: `required; supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}` }],
    };
  }
  if (!(SUPPORTED_SCHEMA_VERSIONS as readonly unknown[]).includes(version)) {
    return {
      ok: false,
      issues: [
        {
          path: 'schemaVersion',
          message: `unsupported schemaVersion ${typeof version === 'string' || typeof version === 'number' ? JSON.stringify(version) : describeType(version)}; this release reads ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`,
        },
      ],
    };
  }
  const parsed = storageConfigV1.safeParse(input);
  const issues: ConfigIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  issues.push(...referenceIssues(input));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, config: parsed.data };
}

/** Validates a config, throwing CONFIG_INVALID that lists every problem (`details.issues`). */
export function parseConfig(input: unknown): StorageConfig {
  const result = validateConfig(input);
  if (result.ok) return result.config;
  const lines = result.issues.map((issue) => `  - ${issue.path}: ${issue.message}`);
  throw new StorageError('CONFIG_INVALID', `Invalid storage config (${result.issues.length} problem(s)):\n${lines.join('\n')}`, {
    details: { issues: result.issues },
  });
}
