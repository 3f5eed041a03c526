import { describe, expect, it } from 'vitest';
import { S3Connection } from '../../src/client.js';
import { resolveOptions, type S3BlobStoreOptions } from '../../src/options.js';
import { EMPTY_SHA256, objectPath, presignPath, signRequest } from '../../src/signer.js';

// The example credentials and date of AWS's SigV4 documentation for S3 ("Examples: signature
// calculations in AWS Signature Version 4", GET Object with a Range header; presigned URL).
const AWS_EXAMPLE = { accessKey: 'AKIAIOSFODNN7EXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const AWS_EXAMPLE_DATE = new Date('2013-05-24T00:00:00Z');

function connection(overrides: Partial<S3BlobStoreOptions>): S3Connection {
  return new S3Connection(resolveOptions({ endPoint: 'rgw.test', accessKey: 'a', secretKey: 's', bucket: 'bkt', ...overrides }));
}

describe('SigV4 signer', () => {
  it("signs AWS's documented GET Object example to its published signature", () => {
    const signed = signRequest(
      { method: 'GET', host: 'examplebucket.s3.amazonaws.com', path: '/test.txt', headers: { range: 'bytes=0-9' }, payloadSha256: EMPTY_SHA256 },
      AWS_EXAMPLE,
      'us-east-1',
      AWS_EXAMPLE_DATE,
    );
    expect(signed.headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(signed.headers).toMatchObject({ host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY_SHA256 });
    expect(signed.path).toBe('/test.txt');
  });

  it("presigns AWS's documented example URL to its published signature", () => {
    const path = presignPath({ method: 'GET', host: 'examplebucket.s3.amazonaws.com', path: '/test.txt' }, AWS_EXAMPLE, 'us-east-1', 86_400, AWS_EXAMPLE_DATE);
    const query = new URLSearchParams(path.slice(path.indexOf('?') + 1));
    expect(path.startsWith('/test.txt?')).toBe(true);
    expect(query.get('X-Amz-Signature')).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
    expect(query.get('X-Amz-Credential')).toBe('AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request');
    expect(query.get('X-Amz-Expires')).toBe('86400');
  });

  it('signs the session token of temporary credentials as a header', () => {
    const signed = signRequest({ method: 'GET', host: 'h', path: '/', headers: {}, payloadSha256: EMPTY_SHA256 }, { ...AWS_EXAMPLE, sessionToken: 'tok' }, 'us-east-1');
    expect(signed.headers['x-amz-security-token']).toBe('tok');
    expect(signed.headers['authorization']).toContain('x-amz-security-token');
  });

  it('encodes each segment of a key the way SigV4 canonicalises it, keeping the slashes', () => {
    expect(objectPath("a b/c+d%e/ü/x!'()*~._-")).toBe('a%20b/c%2Bd%25e/%C3%BC/x%21%27%28%29%2A~._-');
    expect(objectPath('dir//file/')).toBe('dir//file/');
  });

  it('sends an encoded key as it was signed', () => {
    const signed = signRequest({ method: 'PUT', host: 'h', path: '/b/a%20b/c%2Bd%25e', headers: {}, payloadSha256: 'UNSIGNED-PAYLOAD' }, AWS_EXAMPLE, 'us-east-1');
    expect(signed.path).toBe('/b/a%20b/c%2Bd%25e');
  });
});

describe('request location', () => {
  it('puts the bucket in the path with path-style URLs, and a non-default port in the Host header', () => {
    expect(connection({ port: 7480, useSSL: false }).location('b', 'k 1/ü')).toEqual({ hostname: 'rgw.test', host: 'rgw.test:7480', path: '/b/k%201/%C3%BC' });
    expect(connection({ port: 80, useSSL: false }).location('b', undefined)).toEqual({ hostname: 'rgw.test', host: 'rgw.test', path: '/b' });
    expect(connection({}).location(undefined, undefined)).toEqual({ hostname: 'rgw.test', host: 'rgw.test', path: '/' });
    expect(connection({ endPoint: '::1', port: 7480, useSSL: false }).location('bkt', 'k')).toEqual({ hostname: '::1', host: '[::1]:7480', path: '/bkt/k' });
    expect(connection({ endPoint: '::1' }).location('bkt', 'k').host).toBe('[::1]');
  });

  it('puts the bucket in the host name with virtual-host style, except for a dotted bucket over TLS', () => {
    expect(connection({ pathStyle: false, port: 443 }).location('b', 'k')).toEqual({ hostname: 'b.rgw.test', host: 'b.rgw.test', path: '/k' });
    expect(connection({ pathStyle: false }).location('b', undefined)).toEqual({ hostname: 'b.rgw.test', host: 'b.rgw.test', path: '/' });
    expect(connection({ pathStyle: false }).location('b.c', 'k')).toEqual({ hostname: 'rgw.test', host: 'rgw.test', path: '/b.c/k' });
    expect(connection({ pathStyle: false, useSSL: false }).location('b.c', 'k').hostname).toBe('b.c.rgw.test');
  });

  it("uses AWS's regional endpoint, always virtual-host style", () => {
    expect(connection({ endPoint: 's3.amazonaws.com', region: 'eu-west-1' }).location('b', 'k').host).toBe('b.s3.eu-west-1.amazonaws.com');
    expect(connection({ endPoint: 's3.amazonaws.com', region: 'cn-north-1' }).location('b', 'k').host).toBe('b.s3.cn-north-1.amazonaws.com.cn');
  });

  it('presigns a URL on the scheme and host the store talks to', () => {
    const url = new URL(connection({ port: 7480, useSSL: false }).presignedUrl('PUT', 'b', 'a b', 60));
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe('http://rgw.test:7480/b/a%20b');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(new URL(connection({}).presignedUrl('GET', 'b', 'k', 60)).protocol).toBe('https:');
  });
});
