import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packAndInstall, workspacePackages } from '../../scripts/pack-install.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

describe('published packages stand alone', () => {
  it('pack, install into a scratch project and import from every entry point', () => {
    const result = packAndInstall(root);
    expect(result.problems).toEqual([]);
    const published = workspacePackages(root).filter((p: { manifest: { private?: boolean } }) => p.manifest.private !== true);
    expect(result.packages.sort()).toEqual(published.map((p: { manifest: { name: string } }) => p.manifest.name).sort());
    // Every exports-map entry of every published package was imported (none skipped).
    const expected = published.flatMap((p: { manifest: { name: string; exports: Record<string, unknown> } }) =>
      Object.keys(p.manifest.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? p.manifest.name : `${p.manifest.name}${k.slice(1)}`)),
    );
    expect(result.imports.map((r: { spec: string }) => r.spec).sort()).toEqual(expected.sort());
  });
});
