#!/usr/bin/env node
// Bundles the CLI and the workspace packages it uses into dist/ (one ES module graph, split at the
// CLI's lazy imports), so the built CLI starts without compiling TypeScript at run time: half the
// memory and a fraction of the start-up time of `bin/sanctum-storage.js` (tsx). ADR-017 says why.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Core reads its version with createRequire('../../package.json'), which no longer resolves from dist/: inline it. */
const inlineCoreVersion = {
  name: 'inline-core-version',
  setup(b) {
    b.onLoad({ filter: /storage-core[\\/]src[\\/]client[\\/]layer-runtime\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const pkg = JSON.parse(await readFile(new URL('../../package.json', `file://${args.path}`), 'utf8'));
      const needle = "createRequire(import.meta.url)('../../package.json')";
      if (!source.includes(needle)) throw new Error(`inline-core-version: ${args.path} no longer reads its version as expected; update scripts/build.mjs`);
      return { contents: source.replace(needle, JSON.stringify({ version: pkg.version })), loader: 'ts' };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: { 'sanctum-storage': 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  conditions: ['@sanctum/source'],
  // An optional native accelerator of msgpackr; it falls back to JS when absent.
  external: ['msgpackr-extract'],
  // Some drivers are CommonJS and call require(): give the ES module bundle one.
  banner: { js: "import { createRequire as __sanctumRequire } from 'node:module'; const require = __sanctumRequire(import.meta.url);" },
  plugins: [inlineCoreVersion],
  logLevel: 'warning',
});
