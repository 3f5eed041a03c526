#!/usr/bin/env node
// Pack-and-install check (ADR-007): packs every published workspace package with pnpm (so the
// prepack docs step and the .pnpmfile.cjs beforePacking hook run exactly as on publish), inspects each
// tarball, installs all tarballs into a scratch project outside the workspace, and imports every entry
// point of every exports map there. Usage: node pack-install.mjs [repo-root]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const SOURCE_CONDITION = '@sanctum/source';
const LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;

/** Every workspace package under packages/, apps/, tooling/, examples/ with its manifest. */
export function workspacePackages(root) {
  const out = [];
  for (const group of ['packages', 'apps', 'tooling', 'examples']) {
    let names = [];
    try {
      names = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        const manifest = JSON.parse(readFileSync(join(root, group, name, 'package.json'), 'utf8'));
        out.push({ dir: join(root, group, name), manifest });
      } catch {
        // not a package folder
      }
    }
  }
  return out;
}

/** Packs every non-private workspace package into `destination`; returns name, manifest and tarball path. */
export function packAll(root, destination) {
  mkdirSync(destination, { recursive: true });
  return workspacePackages(root)
    .filter((p) => p.manifest.private !== true)
    .map((p) => {
      const before = new Set(readdirSync(destination));
      execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: p.dir, stdio: 'pipe' });
      const created = readdirSync(destination).filter((f) => !before.has(f) && f.endsWith('.tgz'));
      if (created.length !== 1) throw new Error(`pnpm pack in ${p.dir} produced ${created.length} tarballs`);
      return { name: p.manifest.name, tarball: join(destination, created[0]) };
    });
}

/** Files in a tarball, without the leading `package/`. */
export function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.length > 0 && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
}

/** One file's text from a tarball. */
export function tarballText(tarball, file) {
  return execFileSync('tar', ['-xzOf', tarball, `package/${file}`], { encoding: 'utf8' });
}

/** Export subpaths of a manifest (`.`, `./spi`, …), without `./package.json`. */
export function entryPoints(manifest) {
  const exports = manifest.exports;
  if (typeof exports === 'string' || exports === undefined) return ['.'];
  return Object.keys(exports).filter((key) => key.startsWith('.') && key !== './package.json');
}

/**
 * What is wrong with one tarball: missing LICENSE/README, shipped sources, the repository's source
 * condition, workspace ranges, devDependencies, private packages in metadata, README/doc links that
 * point at nothing inside the tarball.
 */
export function tarballProblems(tarball, privateNames) {
  const problems = [];
  const files = tarballFiles(tarball);
  const present = new Set(files);
  for (const required of ['LICENSE', 'README.md', 'package.json']) {
    if (!present.has(required)) problems.push(`missing ${required}`);
  }
  const sources = files.filter((f) => f.startsWith('src/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
  if (sources.length > 0) problems.push(`ships TypeScript sources (${sources.slice(0, 3).join(', ')}…)`);
  const manifestText = tarballText(tarball, 'package.json');
  const manifest = JSON.parse(manifestText);
  if (manifestText.includes(SOURCE_CONDITION)) problems.push(`package.json still has the ${SOURCE_CONDITION} condition`);
  if (manifestText.includes('workspace:')) problems.push('package.json has an unresolved workspace: range');
  if (manifest.devDependencies !== undefined) problems.push('package.json lists devDependencies');
  for (const section of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const name of Object.keys(manifest[section] ?? {})) {
      if (privateNames.has(name)) problems.push(`${section} names the private package ${name}`);
    }
  }
  for (const doc of files.filter((f) => f.endsWith('.md'))) {
    for (const match of tarballText(tarball, doc).matchAll(LINK)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      const path = normalize(join(dirname(doc), target.split('#')[0]));
      const exists = present.has(path) || files.some((f) => f.startsWith(`${path}/`));
      if (!exists) problems.push(`${doc} links to ${target}, which is not in the tarball`);
    }
  }
  return { problems, manifest };
}

/**
 * Installs the tarballs (and every peer they declare, optional ones too, so each entry can load)
 * into `scratch`, with strict peer checks, from the pnpm store where it can.
 */
export function installScratch(packs, manifests, scratch, root) {
  const dependencies = {};
  for (const { name, tarball } of packs) dependencies[name] = `file:${tarball}`;
  for (const manifest of manifests) {
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (!(peer in dependencies)) dependencies[peer] = range;
    }
  }
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, 'package.json'), JSON.stringify(
      // overrides: a packed package that depends on another one (the Redis cache on the memory cache)
      // must get the tarball too, not a registry version that may not exist yet.
      { name: 'scratch-consumer', private: true, type: 'module', dependencies, pnpm: { overrides: Object.fromEntries(packs.map(({ name, tarball }) => [name, `file:${tarball}`])) } },
      null,
      2,
    ));
  writeFileSync(join(scratch, '.npmrc'), 'strict-peer-dependencies=true\nauto-install-peers=false\n');
  const storeDir = execFileSync('pnpm', ['store', 'path'], { cwd: root, encoding: 'utf8' }).trim();
  execFileSync('pnpm', ['install', '--prefer-offline', '--ignore-workspace', '--store-dir', storeDir], { cwd: scratch, stdio: 'pipe' });
}

/** Imports every entry point in a fresh Node process inside `scratch`; returns one row per entry. */
export function importEntries(scratch, manifests) {
  const specifiers = manifests.flatMap((m) => entryPoints(m).map((sub) => (sub === '.' ? m.name : `${m.name}${sub.slice(1)}`)));
  const probe = `
    const rows = [];
    for (const spec of ${JSON.stringify(specifiers)}) {
      try {
        const mod = await import(spec);
        rows.push({ spec, exports: Object.keys(mod).length, resolved: import.meta.resolve(spec) });
      } catch (error) {
        rows.push({ spec, error: String(error && error.message || error) });
      }
    }
    console.log(JSON.stringify(rows));`;
  writeFileSync(join(scratch, 'probe.mjs'), probe);
  return JSON.parse(execFileSync(process.execPath, ['probe.mjs'], { cwd: scratch, encoding: 'utf8' }));
}

/** The whole check; returns every problem found (empty when all is well) and the import rows. */
export function packAndInstall(root) {
  const work = mkdtempSync(join(tmpdir(), 'sanctum-pack-'));
  try {
    const privateNames = new Set(workspacePackages(root).filter((p) => p.manifest.private === true).map((p) => p.manifest.name));
    const packs = packAll(root, join(work, 'tarballs'));
    const problems = [];
    const manifests = [];
    for (const pack of packs) {
      const result = tarballProblems(pack.tarball, privateNames);
      manifests.push(result.manifest);
      problems.push(...result.problems.map((p) => `${pack.name}: ${p}`));
    }
    installScratch(packs, manifests, join(work, 'scratch'), root);
    const imports = importEntries(join(work, 'scratch'), manifests);
    for (const row of imports) {
      if (row.error !== undefined) problems.push(`import ${row.spec} failed: ${row.error}`);
      else if (row.exports === 0) problems.push(`import ${row.spec} has no exports`);
      else if (!row.resolved.includes('/dist/')) problems.push(`import ${row.spec} resolved outside dist/: ${row.resolved}`);
    }
    return { packages: packs.map((p) => p.name), imports, problems };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = packAndInstall(resolve(process.argv[2] ?? join(here, '..', '..')));
  for (const row of result.imports) console.log(`  ${row.spec}: ${row.error ?? `${row.exports} exports`}`);
  if (result.problems.length > 0) {
    console.error(`pack-install: ${result.problems.length} problem(s):\n  ${result.problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`pack-install: ${result.packages.length} packages packed, installed and imported (${result.imports.length} entry points).`);
}
