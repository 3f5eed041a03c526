import { strict as assert } from 'node:assert';
import { describe, it } from 'vitest';
import type { BlobCapabilities, RecordCapabilities, StreamCapabilities } from '@sanctum/storage-core/spi';
import { blobStoreContract, cacheStoreContract, facadeGoldenSuite, recordStoreContract, streamStoreContract, type TestRunner } from '../src/index.js';
import { collect, runSuite } from './support/fake-runner.js';
import { dropsTrailingMetadata, exclusiveRangeEnd, swallowsInvalidInput as blobsSwallowInvalidInput, utf16Order as blobsInUtf16Order } from './support/broken/blobs.js';
import { ignoresTtl, neverStores } from './support/broken/cache.js';
import {
  contentEtag,
  ignoresIfMatch,
  offsetPagination,
  skipsAfterWrites,
  spliceByReadAndPut,
  spliceDropsTtl,
  spliceIgnoresIfMatch,
  spliceWithLineBreaks,
  swallowsInvalidInput,
  utf16Order,
  versionAsEtag,
} from './support/broken/records.js';
import {
  acksBeforeHandlerResolves,
  closeIgnoresTimeout,
  losesUnackedOnRestart,
  neverRedelivers,
  swallowsInvalidInput as streamsSwallowInvalidInput,
} from './support/broken/streams.js';

// The kit must be able to fail: each deliberately broken adapter below must fail exactly the named
// tests (and pass all the others, so a failure points at the broken behaviour and nothing else).

const RECORDS: RecordCapabilities = { ttl: true, bulk: true, transactions: true, splice: true };
const BLOBS: BlobCapabilities = { createOnly: true, compareAndSwap: true, conditionalDelete: true, conditionalRead: true, rangeRead: true, delimiter: true, presign: false, acl: true };
const STREAMS: StreamCapabilities = { replayFromId: true, replayFromTime: true, ordering: 'total' };
// Failures there are timeouts; keep them short so the teeth run fast.
const FAST_STREAMS = { timeoutMs: 1_000, settleMs: 100 } as const;

const R = 'RecordStore contract > ';
const B = 'BlobStore contract > ';
const S = 'StreamStore contract > ';
const C = 'CacheStore contract > ';
const F = 'Facade golden suite > ';

async function expectFailures(register: (runner: TestRunner) => void, expected: readonly string[]): Promise<void> {
  const total = collect(register).length;
  for (const name of expected) assert.ok(collect(register).some((test) => test.name === name), `no test named "${name}"`);
  const { failed, outcomes } = await runSuite(register);
  const reasons = outcomes.filter((o) => !o.passed).map((o) => `${o.name}: ${o.error instanceof Error ? o.error.message : String(o.error)}`);
  assert.deepEqual([...failed].sort(), [...expected].sort(), `unexpected set of failures:\n${reasons.join('\n')}`);
  assert.equal(outcomes.length, total);
}

// Concurrent: the runs are independent and mostly wait on timers.
describe.concurrent('the suites fail on broken adapters', () => {
  it('a record store that ignores ifMatch', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: ignoresIfMatch, capabilities: RECORDS }), [
      `${R}conditional writes > a stale ifMatch fails with PRECONDITION_FAILED and changes nothing`,
      `${R}conditional writes > ifMatch on an absent key fails with PRECONDITION_FAILED and creates nothing`,
      `${R}conditional writes > an etag from before a delete does not match the re-created key`,
      `${R}conditional writes > delete with a stale ifMatch fails with PRECONDITION_FAILED and keeps the record`,
      `${R}conditional writes > delete with ifMatch on an absent key fails with PRECONDITION_FAILED`,
      `${R}concurrency > concurrent conditional writers on one key: exactly one wins each round`,
      `${R}concurrency > concurrent read-modify-write loops lose no update (counter)`,
      `${R}ttl > an expired key counts as absent for conditions and versions`,
    ]);
  });

  it('a record store whose pages skip and repeat records when writes happen (offset pagination)', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: offsetPagination, capabilities: RECORDS }), [
      `${R}listing > deletes and inserts before the cursor between pages make later records neither skip nor repeat`,
      `${R}listing > records present throughout a listing appear exactly once under concurrent inserts and deletes`,
    ]);
  });

  it('a record store that skips an item of the next page when writes happen', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: skipsAfterWrites, capabilities: RECORDS }), [
      `${R}listing > deletes and inserts before the cursor between pages make later records neither skip nor repeat`,
      `${R}listing > records present throughout a listing appear exactly once under concurrent inserts and deletes`,
    ]);
  });

  it('a record store that reuses etags across delete and re-create (version as etag)', async () => {
    await expectFailures(
      (runner) => recordStoreContract({ runner, create: versionAsEtag, capabilities: { ttl: true, bulk: false, transactions: false } }),
      [
        `${R}basics > a re-created key starts again at version 1 with an etag never seen before`,
        `${R}basics > an etag is never reused across delete and re-create with identical content`,
        `${R}conditional writes > an etag from before a delete does not match the re-created key`,
        `${R}ttl > an expired key counts as absent for conditions and versions`,
      ],
    );
  });

  it('a blob store that drops trailing metadata', async () => {
    await expectFailures((runner) => blobStoreContract({ runner, create: dropsTrailingMetadata, capabilities: BLOBS }), [
      `${B}basics > trailing metadata is taken after the body was read to its end and stored with the object`,
      `${B}integrity through the facade > a corrupted payload fails a facade read with CHECKSUM_MISMATCH`,
    ]);
  });

  it('a blob store that returns the wrong range (exclusive end)', async () => {
    await expectFailures((runner) => blobStoreContract({ runner, create: exclusiveRangeEnd, capabilities: BLOBS }), [
      `${B}range reads > ranges are inclusive, open ranges run to the end, and ends past the size are clamped`,
    ]);
  });

  it('a stream store that acks before the handler resolves', async () => {
    await expectFailures((runner) => streamStoreContract({ runner, create: acksBeforeHandlerResolves, capabilities: STREAMS, ...FAST_STREAMS }), [
      `${S}acknowledgement > a failed message is redelivered as the same message with a growing deliveryCount`,
      `${S}acknowledgement > a handler that exceeds ackTimeoutMs gets the message again`,
      `${S}acknowledgement > after maxDeliveries failures a message goes to the dead-letter stream with its error while others keep flowing`,
      `${S}consumers > a restarted consumer resumes from the durable cursor without losing unacked messages`,
      `${S}consumers > a consumer never has more than maxInFlight unacked messages`,
    ]);
  });

  it('a stream store that never redelivers a failed message', async () => {
    await expectFailures((runner) => streamStoreContract({ runner, create: neverRedelivers, capabilities: STREAMS, ...FAST_STREAMS }), [
      `${S}acknowledgement > a failed message is redelivered as the same message with a growing deliveryCount`,
      `${S}acknowledgement > after maxDeliveries failures a message goes to the dead-letter stream with its error while others keep flowing`,
    ]);
  });

  it('a stream store that loses unacked messages when a consumer restarts', async () => {
    await expectFailures((runner) => streamStoreContract({ runner, create: losesUnackedOnRestart, capabilities: STREAMS, ...FAST_STREAMS }), [
      `${S}consumers > a restarted consumer resumes from the durable cursor without losing unacked messages`,
    ]);
  });

  it('a record store that accepts bad input silently', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: swallowsInvalidInput, capabilities: RECORDS }), [
      `${R}bad input > a cursor of another namespace or prefix fails with INVALID_ARGUMENT`,
      `${R}bad input > a list limit outside 1–1000 fails with INVALID_ARGUMENT (refused, not clamped)`,
      `${R}bad input > a ttlMs that is not an integer from 1 ms to ten years fails with INVALID_ARGUMENT (0 included)`,
      `${R}bad input > bulk calls with malformed keys or entries fail with INVALID_ARGUMENT and write nothing`,
      `${R}bad input > malformed conditions fail with INVALID_ARGUMENT and write nothing`,
      `${R}bad input > malformed keys fail with INVALID_ARGUMENT on every operation, and a lone surrogate collides with nothing`,
      `${R}bad input > values JSON would change (Date, NaN, Map, BigInt, cycles, …) fail with INVALID_ARGUMENT and write nothing`,
      `${R}listing > a cursor the store did not issue fails with INVALID_ARGUMENT`,
      `${R}splice > malformed spliceValue requests fail with INVALID_ARGUMENT and change nothing`,
      `${R}splice > spliceValue on a value that is not prefix + base64 of enough bytes fails with INVALID_ARGUMENT and changes nothing`,
    ]);
  });

  it('a record store whose spliceValue writes base64 in 76-character lines (encode() without translate())', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: spliceWithLineBreaks, capabilities: RECORDS }), [
      `${R}splice > spliceValue replaces the head of the decoded bytes, keeps the rest, and writes one unbroken base64 line`,
    ]);
  });

  it('a record store whose spliceValue drops the TTL', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: spliceDropsTtl, capabilities: RECORDS }), [`${R}splice > spliceValue keeps the TTL`]);
  });

  it('a record store whose spliceValue ignores ifMatch', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: spliceIgnoresIfMatch, capabilities: RECORDS }), [
      `${R}splice > spliceValue replaces the head of the decoded bytes, keeps the rest, and writes one unbroken base64 line`,
      `${R}splice > spliceValue with a stale ifMatch, or on an absent key, fails with PRECONDITION_FAILED and changes nothing`,
    ]);
  });

  it('the same spliceValue without a flaw passes the whole suite', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: spliceByReadAndPut, capabilities: RECORDS }), []);
  });

  it('a record store that lists keys in UTF-16 order', async () => {
    await expectFailures((runner) => recordStoreContract({ runner, create: utf16Order, capabilities: RECORDS }), [
      `${R}listing > keys are listed in code point order: mixed case, accents, U+FFFF and astral characters`,
    ]);
  });

  it('a record store whose etag repeats when a key is re-created with the same content', async () => {
    await expectFailures(
      (runner) => recordStoreContract({ runner, create: contentEtag, capabilities: { ttl: true, bulk: false, transactions: false } }),
      [`${R}basics > an etag is never reused across delete and re-create with identical content`],
    );
  });

  it('a blob store that accepts bad input silently', async () => {
    await expectFailures((runner) => blobStoreContract({ runner, create: blobsSwallowInvalidInput, capabilities: BLOBS }), [
      `${B}bad input > a body that is neither bytes nor a readable stream fails with INVALID_ARGUMENT and stores nothing`,
      `${B}bad input > a contentType with CR/LF, a bad contentLength or metadata with control characters fail with INVALID_ARGUMENT`,
      `${B}bad input > a list limit outside 1–1000 or a cursor of another namespace fails with INVALID_ARGUMENT`,
      `${B}bad input > a malformed range fails with INVALID_ARGUMENT`,
      `${B}bad input > malformed keys fail with INVALID_ARGUMENT on every operation`,
      `${B}listing > a cursor the store did not issue fails with INVALID_ARGUMENT`,
      `${B}range reads > a range starting at or beyond the end fails with INVALID_ARGUMENT`,
    ]);
  });

  it('a blob store that lists keys in UTF-16 order', async () => {
    await expectFailures((runner) => blobStoreContract({ runner, create: blobsInUtf16Order, capabilities: BLOBS }), [
      `${B}listing > keys are listed in code point order: mixed case, accents, U+FFFF and astral characters`,
    ]);
  });

  it('a cache that ignores ttl', async () => {
    await expectFailures((runner) => cacheStoreContract({ runner, create: ignoresTtl, capabilities: { shared: false }, expiryGraceMs: 500 }), [
      `${C}an entry expires after its ttl while longer-lived entries stay`,
    ]);
  });

  it('the golden suite over a cache that keeps nothing', async () => {
    await expectFailures((runner) => facadeGoldenSuite({ runner, cache: neverStores }), [
      `${F}ADR-001 acceptance > a poisoned cache entry is served by an eventual read until bypassCache heals it`,
      `${F}seeds > cache: bypassCache reads the store and refreshes an entry the store has moved past`,
    ]);
  });
});

// Sequential, after the concurrent block: stream suites wait on timers, and running more of them at
// once on a loaded machine turns the expected-to-pass tests into timeouts.
describe('the stream suite fails on more broken adapters', () => {
  it('a stream store that accepts bad input silently', async () => {
    await expectFailures((runner) => streamStoreContract({ runner, create: streamsSwallowInvalidInput, capabilities: STREAMS, ...FAST_STREAMS }), [
      `${S}bad input > malformed publish requests fail with INVALID_ARGUMENT and publish nothing`,
      `${S}bad input > malformed subscribe requests fail with INVALID_ARGUMENT`,
    ]);
  });

  it('a stream store whose close ignores its timeout', async () => {
    await expectFailures(
      (runner) => streamStoreContract({ runner, create: closeIgnoresTimeout, capabilities: STREAMS, ...FAST_STREAMS, closeSlackMs: 300 }),
      [`${S}consumers > close({ timeoutMs }) returns within its timeout (plus slack) while a handler hangs`],
    );
  });
});
