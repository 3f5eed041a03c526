#!/usr/bin/env node
// Measures a big `blob put` from the CLI on real S3 (issue 16): progress on a terminal, peak RSS of
// the CLI process, a SIGKILL mid-way and `--resume` to the same SHA-256.
//
//   node apps/demo-cli/scripts/big-put.mjs --env-file .services.env [--mib 1024] [--kill-at-mib 400] [--source]
//
// Each CLI run is wrapped as `script` (a pseudo-terminal, so the progress bar draws) → /usr/bin/time
// (peak RSS of the node process) → node. Uses the `media` namespace of configs/rig.json and deletes
// its object afterwards. Writes a JSON summary on stdout.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: { 'env-file': { type: 'string' }, mib: { type: 'string', default: '1024' }, 'kill-at-mib': { type: 'string', default: '400' }, source: { type: 'boolean', default: false } },
});
if (values['env-file']) process.loadEnvFile(values['env-file']);
const MIB = Number(values.mib);
const KILL_AT = Number(values['kill-at-mib']) * 1048576;
// The built CLI (scripts/build.mjs) by default; --source runs bin/ (TypeScript through tsx).
const BIN = fileURLToPath(new URL(values.source ? '../bin/sanctum-storage.js' : '../dist/sanctum-storage.js', import.meta.url));
if (!values.source) execFileSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url))], { stdio: 'inherit' });
const CONFIG = fileURLToPath(new URL('../configs/rig.json', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'sanctum-big-put-'));
const file = join(dir, 'big.bin');
const key = `big-put/${Date.now().toString(36)}.bin`;
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;

async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

/** Runs the CLI on a pseudo-terminal under /usr/bin/time; `onTick` may kill it. */
function ptyRun(args, onTick) {
  const cmd = `/usr/bin/time -f 'MAXRSS_KB=%M' ${q(process.execPath)} ${q(BIN)} --config ${q(CONFIG)} ${args.map(q).join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, COLUMNS: '100' } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const timer = onTick === undefined ? undefined : setInterval(() => onTick(child), 100);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearInterval(timer);
      const rss = /MAXRSS_KB=(\d+)/.exec(out);
      resolve({ code, out, peakRssMiB: rss ? Number(rss[1]) / 1024 : undefined });
    }),
  );
}

/** The node process under script → sh? → time → node: the deepest descendant. */
function deepestChild(pid) {
  for (;;) {
    let kids = [];
    try {
      kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    } catch {
      // ps exits 1 when there is no child.
    }
    if (kids.length === 0) return pid;
    pid = Number(kids[0]);
  }
}

const progressShown = (out) => /\[[=-]+\] +\d+% [\d.]+ (B|KiB|MiB|GiB)\/[\d.]+ (KiB|MiB|GiB) [\d.]+ (B|KiB|MiB|GiB)\/s ETA \d\d:\d\d/.test(out);

try {
  execFileSync('sh', ['-c', `head -c ${MIB}M /dev/urandom > ${q(file)}`]);
  const source = await sha256(file);
  const statePath = `${file}.upload.json`;
  let killedAt = 0;
  const t0 = performance.now();
  const first = await ptyRun(['blob', 'put', 'media', key, file], (child) => {
    readFile(statePath, 'utf8').then(
      (text) => {
        const { bytes } = JSON.parse(text);
        if (bytes >= KILL_AT && killedAt === 0) {
          killedAt = bytes;
          process.kill(deepestChild(child.pid), 'SIGKILL');
        }
      },
      () => undefined,
    );
  });
  const t1 = performance.now();
  const second = await ptyRun(['--json', 'blob', 'put', 'media', key, file, '--resume']);
  const t2 = performance.now();
  const result = JSON.parse(second.out.split('\n').find((l) => l.startsWith('{"namespace"')) ?? '{}');
  const out = join(dir, 'back.bin');
  const get = await ptyRun(['--json', 'blob', 'get', 'media', key, out]);
  const stored = JSON.parse(get.out.split('\n').find((l) => l.startsWith('{"namespace"')) ?? '{}');
  const back = await sha256(out);
  await ptyRun(['blob', 'rm', 'media', key]);
  const summary = {
    cli: values.source ? 'bin/sanctum-storage.js (tsx, from source)' : 'dist/sanctum-storage.js (built bundle)',
    sizeMiB: MIB,
    sourceSha256: source,
    firstRun: { killedBySigkillAtMiB: killedAt / 1048576, exitCode: first.code, peakRssMiB: first.peakRssMiB, progressShown: progressShown(first.out), seconds: (t1 - t0) / 1000 },
    resumedRun: { exitCode: second.code, resumedAtMiB: (result.resumedAt ?? 0) / 1048576, peakRssMiB: second.peakRssMiB, progressShown: progressShown(second.out), seconds: (t2 - t1) / 1000 },
    download: { peakRssMiB: get.peakRssMiB, progressShown: progressShown(get.out) },
    storedSha256: stored.sha256,
    downloadedSha256: back,
    sameSha256: source === back && source === stored.sha256,
    // eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
    lastProgressOfFirstRun: first.out.replace(/\u001b(\[[0-9;?]*[A-Za-z]|7|8)/g, '\n').split(/[\r\n]/).filter((l) => l.includes('ETA')).at(-1)?.trim(),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exitCode = summary.sameSha256 && second.code === 0 && killedAt > 0 ? 0 : 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
