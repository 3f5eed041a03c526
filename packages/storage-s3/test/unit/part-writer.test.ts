import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PartSlots } from '../../src/multipart/part-slots.js';
import { MAX_PARTS, PartWriter, md5Of, type PartRecord, type PartWriterOptions } from '../../src/multipart/part-writer.js';
import { multipartEtag } from '../../src/multipart/requests.js';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();

interface Call {
  readonly partNumber: number;
  readonly bytes: Buffer;
  readonly contentMd5: Buffer;
}

function writer(overrides: Partial<PartWriterOptions> = {}) {
  const calls: Call[] = [];
  const parts: PartRecord[] = [];
  const options: PartWriterOptions = {
    partSize: 4,
    parallelParts: 2,
    attempts: 3,
    firstPartNumber: 1,
    upload: async (partNumber, chunks, contentMd5) => {
      calls.push({ partNumber, bytes: Buffer.concat(chunks), contentMd5 });
      return `etag-${String(partNumber)}`;
    },
    isRetryable: () => true,
    onPart: (part) => parts.push(part),
    context: { operation: 'blobs.put', namespace: 'n' },
    ...overrides,
  };
  return { writer: new PartWriter(options), calls, parts };
}

describe('PartSlots', () => {
  it('hands out up to its count, then makes acquirers wait for a release', async () => {
    const slots = new PartSlots(2);
    await slots.acquire();
    await slots.acquire();
    let third = false;
    const waiting = slots.acquire().then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    slots.release();
    await waiting;
    expect(third).toBe(true);
    slots.release();
    slots.release();
    await slots.acquire();
    await slots.acquire();
  });

  it('rejects waiting and later acquirers once failed, with the first reason', async () => {
    const slots = new PartSlots(1);
    await slots.acquire();
    const waiting = slots.acquire();
    slots.fail(new Error('first'));
    slots.fail(new Error('second'));
    await expect(waiting).rejects.toThrow('first');
    await expect(slots.acquire()).rejects.toThrow('first');
  });
});

describe('PartWriter', () => {
  it('cuts parts of partSize with their MD5, the last one short, and reports each part', async () => {
    const { writer: w, calls, parts } = writer({ sha256: createHash('sha256').update('prefix:') });
    await w.write(Buffer.from('abcdefghij'));
    await w.finish();
    expect(calls.map((call) => call.bytes.toString())).toEqual(['abcd', 'efgh', 'ij']);
    for (const call of calls) expect(call.contentMd5).toEqual(md5(call.bytes));
    expect(parts.map((part) => [part.partNumber, part.size, part.etag])).toEqual([
      [1, 4, 'etag-1'],
      [2, 4, 'etag-2'],
      [3, 2, 'etag-3'],
    ]);
    expect(w.bytes).toBe(10);
    // The hash given goes on from what it held (a resumed upload's prefix).
    expect(w.sha256Hex()).toBe(createHash('sha256').update('prefix:abcdefghij').digest('hex'));
  });

  it('keeps a full buffer until more bytes come, so one exact part can still be a single PUT', async () => {
    const { writer: w, calls } = writer();
    await w.write(Buffer.from('abcd'));
    expect(w.dispatched).toBe(0);
    const single = w.takeSingle();
    expect(Buffer.concat(single?.chunks ?? []).toString()).toBe('abcd');
    expect(md5Of(single?.chunks ?? [])).toEqual(md5(Buffer.from('abcd')));
    expect(calls).toEqual([]);
    await expect(w.write(Buffer.from('x'))).rejects.toThrow('already taken');
    const empty = writer().writer.takeSingle();
    expect(Buffer.concat(empty?.chunks ?? []).byteLength).toBe(0);
  });

  it('holds a body that fits one part in copies of its own size, moving them into a part buffer once it grows past', async () => {
    const small = writer({ partSize: 1024, holdBytes: 2048 });
    const first = Buffer.from('abc');
    await small.writer.write(first);
    await small.writer.write(Buffer.from('de'));
    first.fill(0);
    const single = small.writer.takeSingle();
    expect(Buffer.concat(single?.chunks ?? []).toString()).toBe('abcde');
    // Copies of the chunks' sizes, not a part buffer of partSize.
    expect(single?.chunks.map((chunk) => chunk.buffer.byteLength)).toEqual([3, 2]);

    const grown = writer({ partSize: 4, holdBytes: 8 });
    await grown.writer.write(Buffer.from('ab'));
    await grown.writer.write(Buffer.from('cdefghij'));
    await grown.writer.finish();
    expect(grown.calls.map((call) => [call.partNumber, call.bytes.toString()])).toEqual([
      [1, 'abcd'],
      [2, 'efgh'],
      [3, 'ij'],
    ]);
    for (const call of grown.calls) expect(call.contentMd5).toEqual(md5(call.bytes));
    const finished = writer({ partSize: 4, holdBytes: 8 });
    await finished.writer.write(Buffer.from('xyz'));
    await finished.writer.finish();
    expect(finished.calls.map((call) => call.bytes.toString())).toEqual(['xyz']);
  });

  it('holds a body up to holdBytes across buffers for one PUT, and sends it in parts once it grows past', async () => {
    const held = writer({ holdBytes: 8 });
    const first = Buffer.from('abcdef');
    await held.writer.write(first);
    await held.writer.write(Buffer.from('gh'));
    expect(held.calls).toEqual([]);
    // The bytes were copied into the writer's part buffers: the caller may reuse its chunk.
    first.fill(0);
    const single = held.writer.takeSingle();
    expect(single?.chunks.map((chunk) => chunk.toString())).toEqual(['abcd', 'efgh']);
    expect(single?.chunks[0]?.buffer).not.toBe(first.buffer);
    expect(md5Of(single?.chunks ?? [])).toEqual(md5(Buffer.from('abcdefgh')));

    // One byte past the limit: the held parts leave first, in order, each with its own MD5.
    const grown = writer({ holdBytes: 6 });
    await grown.writer.write(Buffer.from('abcdef'));
    expect(grown.calls).toEqual([]);
    await grown.writer.write(Buffer.from('g'));
    await grown.writer.finish();
    expect(grown.calls.map((call) => [call.partNumber, call.bytes.toString()])).toEqual([
      [1, 'abcd'],
      [2, 'efg'],
    ]);
    for (const call of grown.calls) expect(call.contentMd5).toEqual(md5(call.bytes));

    // A full buffer at the limit with more bytes coming leaves before the next buffer is taken.
    const exact = writer({ holdBytes: 8 });
    await exact.writer.write(Buffer.from('abcdefghi'));
    await exact.writer.finish();
    expect(exact.calls.map((call) => call.bytes.toString())).toEqual(['abcd', 'efgh', 'i']);
  });

  it('reuses its parallelParts part buffers for every part, never the caller\'s chunks', async () => {
    const used = new Set<ArrayBufferLike>();
    const seen: string[] = [];
    const { writer: w } = writer({
      upload: async (_partNumber, chunks) => {
        for (const chunk of chunks) used.add(chunk.buffer);
        seen.push(Buffer.concat(chunks).toString());
        await new Promise((resolve) => setImmediate(resolve));
        return 'etag';
      },
    });
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789ABCD';
    const sources: Buffer[] = [];
    for (let i = 0; i < text.length; i += 3) {
      const chunk = Buffer.from(text.slice(i, i + 3));
      sources.push(chunk);
      await w.write(chunk);
    }
    await w.finish();
    expect(seen.join('')).toBe(text);
    expect(seen).toHaveLength(10);
    expect(used.size).toBe(2);
    for (const chunk of sources) expect(used.has(chunk.buffer)).toBe(false);
  });

  it('has nothing single to give once parts left', async () => {
    const { writer: w } = writer();
    await w.write(Buffer.from('abcde'));
    expect(w.takeSingle()).toBeUndefined();
  });

  it('never has more than parallelParts buffers: write waits for an upload to finish', async () => {
    const releases: Array<() => void> = [];
    let inFlight = 0;
    let peak = 0;
    const { writer: w } = writer({
      upload: async (partNumber) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((resolve) => releases.push(resolve));
        inFlight -= 1;
        return `e${String(partNumber)}`;
      },
    });
    let written = false;
    const writing = w.write(Buffer.alloc(4 * 5)).then(() => (written = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(written).toBe(false);
    expect(inFlight).toBe(2); // both buffers uploading; the writer waits for one to come back
    while (!written) {
      releases.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await writing;
    const finishing = w.finish();
    while (releases.length > 0 || inFlight > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await finishing;
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('retries retryable failures with the same bytes, up to `attempts`', async () => {
    let tries = 0;
    const { writer: w, parts } = writer({
      upload: async () => {
        tries += 1;
        if (tries < 3) throw new Error('flaky');
        return 'ok';
      },
    });
    await w.write(Buffer.from('ab'));
    await w.finish();
    expect(tries).toBe(3);
    expect(parts[0]?.etag).toBe('ok');

    let attempts = 0;
    const { writer: failing } = writer({
      attempts: 2,
      upload: async () => {
        attempts += 1;
        throw new Error('always');
      },
    });
    await failing.write(Buffer.from('ab'));
    await expect(failing.finish()).rejects.toThrow('always');
    expect(attempts).toBe(2);
  });

  it('stops retrying once the writer failed for another reason', async () => {
    let attempts = 0;
    let failNow: () => void = () => undefined;
    const { writer: w } = writer({
      attempts: 5,
      upload: async () => {
        attempts += 1;
        failNow();
        throw new Error('flaky');
      },
    });
    failNow = () => w.fail(new Error('cancelled'));
    await w.write(Buffer.from('ab'));
    await expect(w.finish()).rejects.toThrow('cancelled');
    expect(attempts).toBe(1);
  });

  it('does not retry what is not retryable, and stops writing after the first failure', async () => {
    let attempts = 0;
    const { writer: w } = writer({
      isRetryable: () => false,
      upload: async () => {
        attempts += 1;
        throw new Error('denied');
      },
    });
    await w.write(Buffer.from('abcde'));
    await w.settle();
    expect(attempts).toBe(1);
    await expect(w.write(Buffer.from('more'))).rejects.toThrow('denied');
    await expect(w.flush()).rejects.toThrow('denied');
    await expect(w.finish()).rejects.toThrow('denied');
  });

  it('flush sends a full buffer and waits, keeping a partial one', async () => {
    const { writer: w, calls } = writer();
    await w.write(Buffer.from('abcd'));
    await w.flush();
    expect(calls.map((call) => call.bytes.toString())).toEqual(['abcd']);
    await w.write(Buffer.from('ef'));
    await w.flush();
    expect(calls).toHaveLength(1);
    await w.finish();
    expect(calls.map((call) => call.bytes.toString())).toEqual(['abcd', 'ef']);
  });

  it('an empty body is one empty part; numbering starts after existing parts', async () => {
    const { writer: w, calls } = writer({ firstPartNumber: 7 });
    await w.finish();
    expect(calls.map((call) => [call.partNumber, call.bytes.byteLength])).toEqual([[7, 0]]);
  });

  it('fails with tooManyParts past part 10,000', async () => {
    const { writer: w } = writer({ firstPartNumber: MAX_PARTS });
    await expect(w.write(Buffer.alloc(9))).rejects.toThrow('more than 10000 parts');
    await expect(w.finish()).rejects.toThrow('more than 10000 parts');
  });
});

describe('multipartEtag', () => {
  it('is the MD5 of the binary part MD5s with the part count', () => {
    const a = md5(Buffer.from('a')).toString('hex');
    const b = md5(Buffer.from('b')).toString('hex');
    const expected = createHash('md5').update(Buffer.concat([Buffer.from(a, 'hex'), Buffer.from(b, 'hex')])).digest('hex');
    expect(multipartEtag([{ etag: a }, { etag: b }])).toBe(`${expected}-2`);
    expect(multipartEtag([{ etag: 'not-an-md5' }])).toBeUndefined();
  });
});
