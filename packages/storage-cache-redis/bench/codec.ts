// Codec choice for cache entries (ADR-010): JSON text vs msgpackr, encode + decode of one entry,
// interleaved rounds, median per-round ratio. Run: node --import tsx bench/codec.ts
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const value = {
  id: 'u-42',
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  tags: Array.from({ length: 12 }, (_, i) => `tag-${i}`),
  profile: { bio: 'x'.repeat(500), followers: 1234, active: true, score: 0.75 },
  history: Array.from({ length: 8 }, (_, i) => ({ at: 1_700_000_000_000 + i, action: 'login', ok: i % 2 === 0 })),
};
const entry = [value, 7, 'etag-7', 1_700_000_000_123] as const;
const N = 20_000;
const ROUNDS = 9;

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - start) / N;
}
const json = () => JSON.parse(Buffer.from(JSON.stringify(entry)).toString('utf8')) as unknown;
const msgpack = () => packr.unpack(packr.pack(entry)) as unknown;
const jsonDecode = Buffer.from(JSON.stringify(entry));
const packed = packr.pack(entry);
const decodeJson = () => JSON.parse(jsonDecode.toString('utf8')) as unknown;
const decodeMsgpack = () => packr.unpack(packed) as unknown;
time(json); time(msgpack); time(decodeJson); time(decodeMsgpack);
const rows: Array<[number, number, number, number]> = [];
for (let r = 0; r < ROUNDS; r++) rows.push([time(json), time(msgpack), time(decodeJson), time(decodeMsgpack)]);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`entry bytes: json ${jsonDecode.length}, msgpackr ${packed.length}`);
console.log(`round trip ns/op: json ${median(rows.map((r) => r[0])).toFixed(0)}, msgpackr ${median(rows.map((r) => r[1])).toFixed(0)}, ratio json/msgpackr ${median(rows.map((r) => r[0] / r[1])).toFixed(2)}`);
console.log(`decode ns/op: json ${median(rows.map((r) => r[2])).toFixed(0)}, msgpackr ${median(rows.map((r) => r[3])).toFixed(0)}, ratio json/msgpackr ${median(rows.map((r) => r[2] / r[3])).toFixed(2)}`);
