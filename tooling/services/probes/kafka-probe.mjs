#!/usr/bin/env node
// Readiness probe for a Kafka-protocol cluster, without dependencies.
// usage: node kafka-probe.mjs host:port[,host:port...] [expectedBrokers]
// Sends a Metadata v1 request (all topics) to every bootstrap address and checks that each
// answers with the expected broker list. Exit 0 when all answer, 1 otherwise.
import net from 'node:net';

const [bootstrap, expectedArg] = process.argv.slice(2);
if (!bootstrap) {
  console.error('usage: kafka-probe.mjs host:port[,host:port...] [expectedBrokers]');
  process.exit(2);
}
const expected = expectedArg ? Number(expectedArg) : undefined;
const TIMEOUT_MS = 3000;

function str(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function metadataRequest(correlationId) {
  const header = Buffer.alloc(8);
  header.writeInt16BE(3, 0); // api_key Metadata
  header.writeInt16BE(1, 2); // api_version 1
  header.writeInt32BE(correlationId, 4);
  const topics = Buffer.alloc(4);
  topics.writeInt32BE(-1); // null array = all topics (v1+)
  const body = Buffer.concat([header, str('sanctum-services-probe'), topics]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function parseMetadataV1(buf) {
  let o = 0;
  const i16 = () => { const v = buf.readInt16BE(o); o += 2; return v; };
  const i32 = () => { const v = buf.readInt32BE(o); o += 4; return v; };
  const s = () => { const l = i16(); if (l < 0) return null; const v = buf.toString('utf8', o, o + l); o += l; return v; };
  const correlationId = i32();
  const n = i32();
  const brokers = [];
  for (let k = 0; k < n; k++) brokers.push({ nodeId: i32(), host: s(), port: i32(), rack: s() });
  const controllerId = i32();
  return { correlationId, brokers, controllerId };
}

function probe(address) {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx);
  const port = Number(address.slice(idx + 1));
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`${address}: timeout`)); }, TIMEOUT_MS);
    let data = Buffer.alloc(0);
    sock.on('connect', () => sock.write(metadataRequest(4242)));
    sock.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < 4) return;
      const size = data.readInt32BE(0);
      if (data.length < 4 + size) return;
      clearTimeout(timer);
      sock.destroy();
      try {
        const md = parseMetadataV1(data.subarray(4, 4 + size));
        if (md.correlationId !== 4242) throw new Error('correlation id mismatch');
        resolve(md);
      } catch (e) {
        reject(new Error(`${address}: bad Metadata response: ${e.message}`));
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(new Error(`${address}: ${e.message}`)); });
  });
}

try {
  const addrs = bootstrap.split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of addrs) {
    const md = await probe(a);
    if (expected !== undefined && md.brokers.length !== expected) {
      throw new Error(`${a}: metadata lists ${md.brokers.length} brokers, expected ${expected}`);
    }
    if (md.brokers.length === 0) throw new Error(`${a}: metadata lists no brokers`);
  }
  process.exit(0);
} catch (e) {
  console.error(`kafka-probe: ${e.message}`);
  process.exit(1);
}
