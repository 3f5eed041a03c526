/**
 * ADR-019's measurement: the AWS Encryption SDK for JavaScript vs our envelope on node:crypto, same
 * process, interleaved rounds, median of per-round ratios. Both use AES-256-GCM, HKDF, key
 * commitment, a raw AES-256 wrapping key and the same encryption context; the SDK without ECDSA
 * signing (ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY), ours as in docs/adr/019.
 *
 * The SDK is not a dependency: install it in a scratch folder and point AWS_CRYPTO_DIR at it
 * (`npm i @aws-crypto/client-node@5` there), then `node --conditions=@sanctum/source --import tsx
 * bench/envelope-choice.ts`.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { localKeyring } from '../src/crypto/local-keyring.js';
import { FrameSealer, FrameOpener, fullWindow, openBytes, openHeader, sealBytes, startFramed } from '../src/crypto/envelope.js';

const dir = process.env['AWS_CRYPTO_DIR'];
if (dir === undefined) throw new Error('set AWS_CRYPTO_DIR to a folder where @aws-crypto/client-node is installed');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK is loaded from outside the workspace, untyped here
const sdk = createRequire(`${dir}/index.js`)('@aws-crypto/client-node') as any;
const { encrypt, decrypt, encryptStream, decryptUnsignedMessageStream } = sdk.buildClient(sdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const kek = randomBytes(32);
const awsKeyring = new sdk.RawAesKeyringNode({
  keyName: 'k1',
  keyNamespace: 'sanctum',
  unencryptedMasterKey: kek,
  wrappingSuite: sdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
});
const suiteId = sdk.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
const ours = localKeyring({ keys: { k1: kek } });
const context = { namespace: 'users', key: 't1/u42' };
const record = Buffer.from(JSON.stringify({ name: 'Ada Lovelace', email: 'ada@example.org', ssn: '123-45-6789', tags: ['a', 'b', 'c'], n: 42 }));

async function timeOps(n: number, op: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await op();
  return (performance.now() - t) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = Number(process.env['ROUNDS'] ?? 7);

// Per-record: encrypt + decrypt of one ~130-byte JSON record.
{
  const awsCt = (await encrypt(awsKeyring, record, { encryptionContext: context, suiteId })).result;
  const ourCt = await sealBytes(ours, 'k1', context, record);
  console.log(`record ciphertext bytes: aws ${awsCt.length}, ours ${ourCt.length} (plaintext ${record.length})`);
  const ratios: number[] = [];
  const aws: number[] = [];
  const our: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = await timeOps(2000, async () => decrypt(awsKeyring, (await encrypt(awsKeyring, record, { encryptionContext: context, suiteId })).result));
    const o = await timeOps(2000, async () => openBytes(ours, await sealBytes(ours, 'k1', context, record), context));
    aws.push(a);
    our.push(o);
    ratios.push(a / o);
  }
  console.log(`record seal+open µs/op: aws ${(median(aws) * 1000).toFixed(1)}, ours ${(median(our) * 1000).toFixed(1)}, aws/ours median ratio ${median(ratios).toFixed(2)}`);
}

// Blob throughput: 64 MiB through a streaming encrypt and decrypt, 64 KiB frames for both.
{
  const SIZE = 64 * 1024 * 1024;
  const chunk = randomBytes(64 * 1024);
  const source = () => Readable.from((function* () { for (let i = 0; i < SIZE / chunk.length; i++) yield chunk; })());
  const collect = () => {
    const parts: Buffer[] = [];
    return { sink: new Writable({ write(c, _e, cb) { parts.push(c); cb(); } }), bytes: () => Buffer.concat(parts) };
  };
  const run = async (f: () => Promise<void>) => { const t = performance.now(); await f(); return SIZE / 1024 / 1024 / ((performance.now() - t) / 1000); };
  const encR: number[] = [], decR: number[] = [], awsE: number[] = [], ourE: number[] = [], awsD: number[] = [], ourD: number[] = [];
  for (let r = 0; r < Math.min(ROUNDS, 5); r++) {
    let awsCt = Buffer.alloc(0);
    const a = await run(async () => {
      const c = collect();
      await pipeline(source(), encryptStream(awsKeyring, { encryptionContext: context, suiteId, frameLength: 64 * 1024 }), c.sink);
      awsCt = c.bytes();
    });
    let ourCt = Buffer.alloc(0);
    let seal = await startFramed(ours, 'k1', context);
    const o = await run(async () => {
      seal = await startFramed(ours, 'k1', context);
      const c = collect();
      await pipeline(source(), new FrameSealer(seal), c.sink);
      ourCt = c.bytes();
    });
    const ad = await run(async () => { await pipeline(Readable.from([awsCt]), decryptUnsignedMessageStream(awsKeyring), new Writable({ write(_c, _e, cb) { cb(); } })); });
    const od = await run(async () => {
      const opened = await openHeader(ours, seal.header, context);
      await pipeline(Readable.from([ourCt]), new FrameOpener(opened, fullWindow(SIZE, seal.frameSize)), new Writable({ write(_c, _e, cb) { cb(); } }));
    });
    awsE.push(a); ourE.push(o); awsD.push(ad); ourD.push(od);
    encR.push(o / a); decR.push(od / ad);
  }
  console.log(`blob encrypt MiB/s: aws ${median(awsE).toFixed(0)}, ours ${median(ourE).toFixed(0)}, ours/aws ${median(encR).toFixed(2)}`);
  console.log(`blob decrypt MiB/s: aws ${median(awsD).toFixed(0)}, ours ${median(ourD).toFixed(0)}, ours/aws ${median(decR).toFixed(2)}`);
}
