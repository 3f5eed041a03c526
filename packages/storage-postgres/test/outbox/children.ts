// The outbox tests' child processes (app, relay, consumer), bundled once per run with esbuild: a
// process then starts in well under a second instead of the many seconds tsx needs to transform
// the workspace's sources on a loaded machine (the crash test restarts children a dozen times).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export type ChildName = 'app' | 'relay' | 'consumer';

export interface Children {
  spawn(name: ChildName, args: readonly string[]): ChildProcess;
  remove(): Promise<void>;
}

export async function bundleChildren(): Promise<Children> {
  const root = join(tmpdir(), `sanctum-outbox-${randomBytes(4).toString('hex')}`);
  const outdir = join(root, 'bin', 'outbox');
  await mkdir(outdir, { recursive: true });
  // Core reads its version from "../../package.json" relative to the module: give it one.
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'outbox-test-children', version: '0.0.0', type: 'module' }));
  await build({
    entryPoints: ['app', 'relay', 'consumer'].map((name) => join(here, `${name}.ts`)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    conditions: ['@sanctum/source'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return {
    spawn: (name, args) => spawn(process.execPath, [join(outdir, `${name}.js`), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
