#!/usr/bin/env node
// Makes a package's README work from the registry (ADR-007). Run by each published package's
// `prepack` (`ship-docs.mjs prepare`) and `postpack` (`ship-docs.mjs restore`) in the package folder.
// prepare: every relative Markdown link of README.md that leaves the package and names a file under the
//   repository's docs/ is rewritten to a copy under the package's docs/ (copied docs are treated the same way,
//   transitively); a link to anything else outside the shipped files (a folder, a source file) becomes
//   plain text. The repository README is kept aside and put back by `restore`.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const LINK = /\[([^\]]*)\]\(([^)\s]+)\)/g;
const BACKUP = '.README.repository.md';

/** Whether a link target is relative (not a URL, not an anchor in the same file). */
function isRelative(target) {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#') && !target.startsWith('/');
}

/** Where a file of the repository's docs/ lands inside the package: docs/<the same relative path>. */
function shippedPath(repoFile) {
  return join('docs', relative(join(repoRoot, 'docs'), repoFile));
}

/**
 * Rewrites the links of one Markdown text that sits at `fromFile` (its real location in the repo)
 * and will be shipped at `shippedAs` (relative to the package). Queues docs to copy.
 */
function rewrite(text, fromFile, shippedAs, pkgDir, queue) {
  return text.replace(LINK, (whole, label, target) => {
    if (!isRelative(target)) return whole;
    const [pathPart, anchor] = target.split('#', 2);
    const resolved = resolve(dirname(fromFile), pathPart ?? '');
    const insidePackage = resolved.startsWith(pkgDir + sep);
    const inPackageShipped =
      insidePackage && !relative(pkgDir, resolved).startsWith(`src${sep}`) && existsSync(resolved) && statSync(resolved).isFile();
    if (inPackageShipped && fromFile === join(pkgDir, 'README.md')) return whole;
    const isRepoDoc = resolved.startsWith(join(repoRoot, 'docs') + sep) && resolved.endsWith('.md') && existsSync(resolved);
    if (!isRepoDoc && !inPackageShipped) return label;
    const destination = isRepoDoc ? shippedPath(resolved) : relative(pkgDir, resolved);
    if (isRepoDoc) queue.push(resolved);
    const link = relative(dirname(shippedAs), destination).split(sep).join('/') || '.';
    return `[${label}](${link}${anchor === undefined ? '' : `#${anchor}`})`;
  });
}

function prepare(pkgDir) {
  const readme = join(pkgDir, 'README.md');
  if (existsSync(join(pkgDir, BACKUP))) throw new Error(`${BACKUP} exists: run "ship-docs.mjs restore" first`);
  if (existsSync(join(pkgDir, 'docs'))) throw new Error(`${pkgDir}/docs exists; ship-docs owns that folder at pack time`);
  const original = readFileSync(readme, 'utf8');
  const queue = [];
  const rewritten = rewrite(original, readme, 'README.md', pkgDir, queue);
  const done = new Set();
  while (queue.length > 0) {
    const file = queue.shift();
    if (done.has(file)) continue;
    done.add(file);
    const target = join(pkgDir, shippedPath(file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, rewrite(readFileSync(file, 'utf8'), file, shippedPath(file), pkgDir, queue));
  }
  copyFileSync(readme, join(pkgDir, BACKUP));
  writeFileSync(readme, rewritten);
  console.log(`ship-docs: README rewritten, ${done.size} doc(s) shipped under docs/`);
}

function restore(pkgDir) {
  const backup = join(pkgDir, BACKUP);
  if (existsSync(backup)) {
    copyFileSync(backup, join(pkgDir, 'README.md'));
    rmSync(backup);
  }
  rmSync(join(pkgDir, 'docs'), { recursive: true, force: true });
}

const [command] = process.argv.slice(2);
const pkgDir = process.cwd();
if (command === 'prepare') prepare(pkgDir);
else if (command === 'restore') restore(pkgDir);
else {
  console.error('usage: ship-docs.mjs prepare|restore (in a package folder)');
  process.exit(2);
}
