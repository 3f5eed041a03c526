import { XMLParser } from 'fast-xml-parser';

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ESCAPES: Readonly<Record<string, string>> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' };

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] as string;
  });
}

/**
 * The decoded text of the first `<tag>` element of a small, flat S3 response (error, copy result,
 * multipart initiate/complete); `undefined` when absent. Listings go through {@link parseXml}.
 */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decode(match[1]);
}

/** Escapes text for an XML element body. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&${ESCAPES[char] as string};`);
}

// Elements that repeat in listings: always arrays, even when one (or none) is present.
const REPEATED: ReadonlySet<string> = new Set(['Contents', 'CommonPrefixes', 'Upload', 'Part', 'Bucket']);

// Every value stays text: a key such as `007`, `0x10` or `1.50` is a name, not a number. Values keep
// their whitespace (a key may begin or end with a space).
const parser = new XMLParser({ parseTagValue: false, trimValues: false, isArray: (name) => REPEATED.has(name) });

/** A listing response as nested records; every leaf value is a string. */
export function parseXml(xml: string): Record<string, unknown> {
  return parser.parse(xml) as Record<string, unknown>;
}
