import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/list.js';
import { Layout, STAGING_DIR } from '../../src/layout.js';

const where = { operation: 'blobs.put', namespace: 'n' };

describe('layout', () => {
  it('maps namespaces to key prefixes in a shared bucket', () => {
    const layout = new Layout({ bucket: 'b', bucketPerNamespace: false, prefix: 'app/' });
    const location = layout.locate('media', where);
    expect(location).toEqual({ bucket: 'b', keyPrefix: 'app/media/', stagingPrefix: `app/${STAGING_DIR}` });
    expect(layout.objectKey(location, '.sanctum-staging/x', where)).toBe('app/media/.sanctum-staging/x');
    expect(layout.stagingKey(location)).toMatch(/^app\/\.sanctum-staging\/[0-9a-f-]{36}$/);
    expect(layout.sharedBucket).toBe('b');
    expect(layout.bucketPerNamespace).toBe(false);
    expect(() => layout.locate('a/b', where)).toThrow('without "/"');
    expect(() => layout.locate('', where)).toThrow('non-empty');
  });

  it('maps namespaces to buckets, reserving the staging area', () => {
    const layout = new Layout({ bucket: undefined, bucketPerNamespace: true, prefix: 'app-' });
    const location = layout.locate('media', where);
    expect(location).toEqual({ bucket: 'app-media', keyPrefix: '', stagingPrefix: STAGING_DIR });
    expect(() => layout.objectKey(location, '.sanctum-staging/x', where)).toThrow('reserved');
    expect(layout.objectKey(location, 'k', where)).toBe('k');
    expect(() => layout.locate('Media_1', where)).toThrow('bucket name');
  });
});

describe('list cursors', () => {
  const request = { namespace: 'n', prefix: 'p/', delimiter: '/' };

  it('round-trip for the same listing only', () => {
    const cursor = encodeCursor(request, 'token.with.dots');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(request, cursor, where)).toBe('token.with.dots');
    expect(() => decodeCursor({ ...request, prefix: 'q/' }, cursor, where)).toThrow('another prefix');
  });

  it('refuse anything else', () => {
    const garbage = [
      '!!',
      'AB',
      Buffer.from('s3c1.x').toString('base64url'),
      Buffer.from('v0.abc.t').toString('base64url'),
      encodeCursor({ namespace: 'n', prefix: 'p/' }, 't'),
      Buffer.from(`s3c1.${'x'.repeat(12)}.`).toString('base64url'),
      7 as unknown as string,
    ];
    for (const cursor of garbage) expect(() => decodeCursor(request, cursor, where)).toThrow(/not one this store issued|another prefix/);
  });
});
