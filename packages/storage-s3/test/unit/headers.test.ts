import { describe, expect, it } from 'vitest';
import { contentLength, contentRange, copySource, decodeMetadataValue, encodeMetadataValue, metaOf, metadataOf, objectHeaders, unquote } from '../../src/headers.js';
import { xmlEscape, xmlText } from '../../src/xml.js';

describe('headers', () => {
  it('encodes metadata values that HTTP would change, and decodes them back', () => {
    for (const value of ['plain', 'with spaces inside', '', 'ünïcödé', ' lead', 'trail ', 'tab\there', '=?UTF-8?B?QQ==?=']) {
      const encoded = encodeMetadataValue(value);
      expect(encoded).toMatch(/^[\x20-\x7e]*$/);
      expect(decodeMetadataValue(encoded)).toBe(value);
    }
    expect(encodeMetadataValue('plain')).toBe('plain');
  });

  it('builds request headers and reads response metadata', () => {
    expect(objectHeaders({ contentType: 'text/plain', metadata: { Owner: 'ada' }, acl: 'public-read' })).toEqual({
      'content-type': 'text/plain',
      'x-amz-meta-owner': 'ada',
      'x-amz-acl': 'public-read',
    });
    expect(objectHeaders({})).toEqual({});
    expect(objectHeaders({ acl: 'private' })).toEqual({});
    expect(metadataOf({ 'x-amz-meta-a': 'b', 'x-amz-meta-list': ['x'], 'content-type': 'x' } as never)).toEqual({ a: 'b' });
  });

  it('reads meta, lengths and ranges', () => {
    const meta = metaOf('k', { etag: '"abc"', 'last-modified': 'Sun, 22 Nov 2026 06:51:54 GMT', 'content-type': 'text/plain', 'x-amz-meta-k': 'v' }, 3);
    expect(meta).toEqual({ key: 'k', size: 3, etag: 'abc', version: 'abc', lastModified: new Date('2026-11-22T06:51:54Z'), contentType: 'text/plain', metadata: { k: 'v' } });
    expect(metaOf('k', {}, 0)).toEqual({ key: 'k', size: 0, etag: '', version: '', lastModified: new Date(0), metadata: {} });
    expect(contentLength({ 'content-length': '42' })).toBe(42);
    expect(contentLength({})).toBe(0);
    expect(contentRange({ 'content-range': 'bytes 1-3/4' })).toEqual({ start: 1, end: 3, size: 4 });
    expect(contentRange({ 'content-range': 'bytes */4' })).toBeUndefined();
    expect(contentRange({})).toBeUndefined();
    expect(unquote('"x"')).toBe('x');
    expect(copySource('b', 'a dir/ü+k')).toBe('/b/a%20dir/%C3%BC%2Bk');
  });

  it('reads flat XML elements with entities', () => {
    const xml = '<R><Code>NoSuchKey</Code><ETag>&quot;abc&quot;</ETag><M>a &amp; b &lt;c&gt; &apos;d&apos; &#65;&#x42; &bogus;</M><E></E></R>';
    expect(xmlText(xml, 'Code')).toBe('NoSuchKey');
    expect(xmlText(xml, 'ETag')).toBe('"abc"');
    expect(xmlText(xml, 'M')).toBe("a & b <c> 'd' AB &bogus;");
    expect(xmlText(xml, 'E')).toBe('');
    expect(xmlText(xml, 'Missing')).toBeUndefined();
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
