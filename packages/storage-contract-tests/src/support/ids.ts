import { randomBytes } from 'node:crypto';

/** A namespace nobody else uses: `<prefix>-<tag>-<random>`, valid for every backend's naming rules. */
export function uniqueNamespace(prefix: string | undefined, tag: string): string {
  return `${prefix ?? 'contract'}-${tag}-${randomBytes(5).toString('hex')}`;
}

/** A short random token for keys, groups and consumer names. */
export function token(): string {
  return randomBytes(4).toString('hex');
}
