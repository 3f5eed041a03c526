import { connect, createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '@sanctum/storage-core/spi';
import { RUN_ID, createStore, dropBucket, failure, incompleteUploads, makeBucket, service } from './support.js';

// A put that fails while the link to S3 is down cannot abort its multipart upload: the abort cannot
// get through either. The adapter retries that cleanup in the background, so the upload is gone soon
// after the link is back, without waiting for sweepIncompleteUploads.

const bucket = `${RUN_ID}-leftovers`;
const MIB = 1024 * 1024;

/** A TCP relay to the S3 endpoint whose link can be cut (every connection dropped, new ones refused). */
async function relay(): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(service.port ?? 80, service.endPoint);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The bucket's incomplete uploads. minio lists them and then asks ListParts of each, which RGW can
 * answer with NoSuchKey for an upload that is just starting or being aborted: try again.
 */
async function uploads(): Promise<Array<{ key: string; uploadId: string }>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await incompleteUploads(bucket);
    } catch (error) {
      if (attempt >= 10) throw error;
      await pause(100);
    }
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await pause(100);
  }
  return check();
}

beforeAll(async () => {
  await makeBucket(bucket);
});

afterAll(async () => {
  await dropBucket(bucket);
});

describe('cleanup that could not reach S3 is retried once the link is back', () => {
  it('a put failing during a lost link leaves no multipart upload behind after the link returns', async () => {
    const link = await relay();
    const events: LogEvent[] = [];
    const store = createStore(
      { bucket, endPoint: '127.0.0.1', port: link.port, partSize: '5MiB', parallelParts: 1, multipartThreshold: '5MiB', requestTimeoutMs: 1_000 },
      { logger: { log: (event) => void events.push(event) }, leftovers: { firstDelayMs: 100, maxDelayMs: 400, giveUpAfterMs: 60_000, closeAttemptMs: 1_000 } },
    );
    try {
      await store.open?.();
      // Two parts' worth go up, then the body fails while the link is down.
      let release!: (error: Error) => void;
      const stalled = new Promise<never>((_resolve, reject) => {
        release = reject;
      });
      // The put may fail (link cut) before the body reaches `await stalled`: not an unhandled rejection then.
      stalled.catch(() => undefined);
      async function* body(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(6 * MIB, 1);
        yield Buffer.alloc(6 * MIB, 2);
        await stalled;
      }
      const put = store.put({ namespace: 'ns', key: 'cut-off', body: Readable.from(body()) });
      put.catch(() => undefined);
      expect(await waitFor(async () => (await uploads()).length === 1, 15_000), 'the multipart upload started').toBe(true);
      link.cut();
      release(new Error('the source failed while the link was down'));
      await failure(put);
      // The abort could not get through: the upload is still on the server.
      expect(await uploads()).toHaveLength(1);
      expect(events.map((e) => e.event)).toContain('s3.cleanup_deferred');

      link.restore();
      expect(await waitFor(async () => (await uploads()).length === 0, 10_000), 'the upload was aborted after the link came back').toBe(true);
      expect(events.find((e) => e.event === 's3.cleanup_done')).toMatchObject({ what: 'upload' });
      // Log events name the kind of cleanup, never the key.
      expect(JSON.stringify(events)).not.toContain('cut-off');
    } finally {
      await store.close?.();
      await link.close();
    }
  }, 60_000);
});
