#!/usr/bin/env node
// Readiness probe for an S3 endpoint, without dependencies (SigV4 signing by hand).
// usage: node s3-probe.mjs   (reads S3_PROBE_HOST, S3_PROBE_PORT, S3_PROBE_ACCESS_KEY,
//                              S3_PROBE_SECRET_KEY, S3_PROBE_REGION from the environment)
// Round trip: create bucket, put object, get object (compare), delete object, delete bucket.
// Exit 0 on success; prints the failing step and the server's answer otherwise.
import crypto from 'node:crypto';
import http from 'node:http';

const host = process.env.S3_PROBE_HOST ?? '127.0.0.1';
const port = Number(process.env.S3_PROBE_PORT ?? 57480);
const accessKey = process.env.S3_PROBE_ACCESS_KEY;
const secretKey = process.env.S3_PROBE_SECRET_KEY;
const region = process.env.S3_PROBE_REGION ?? 'us-east-1';
if (!accessKey || !secretKey) {
  console.error('s3-probe: S3_PROBE_ACCESS_KEY and S3_PROBE_SECRET_KEY are required');
  process.exit(2);
}

const sha256 = (d) => crypto.createHash('sha256').update(d).digest('hex');
const hmac = (k, d) => crypto.createHmac('sha256', k).update(d).digest();

function request(method, path, body = Buffer.alloc(0)) {
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const payloadHash = sha256(body);
  const headers = {
    host: `${host}:${port}`,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
  };
  const signed = Object.keys(headers).sort();
  const canonical = [
    method,
    path,
    '',
    ...signed.map((h) => `${h}:${headers[h]}`),
    '',
    signed.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${secretKey}`, date);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = crypto.createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function step(name, method, path, body, expectStatus) {
  const res = await request(method, path, body);
  if (!expectStatus.includes(res.status)) {
    throw new Error(`${name}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  }
  return res;
}

const bucket = `services-probe-${process.pid}-${Date.now()}`;
const payload = Buffer.from(`sanctum probe ${crypto.randomUUID()}`);
try {
  await step('create bucket', 'PUT', `/${bucket}`, undefined, [200]);
  await step('put object', 'PUT', `/${bucket}/probe.txt`, payload, [200]);
  const got = await step('get object', 'GET', `/${bucket}/probe.txt`, undefined, [200]);
  if (!got.body.equals(payload)) throw new Error('get object: content differs from what was put');
  await step('delete object', 'DELETE', `/${bucket}/probe.txt`, undefined, [204, 200]);
  await step('delete bucket', 'DELETE', `/${bucket}`, undefined, [204, 200]);
  process.exit(0);
} catch (e) {
  console.error(`s3-probe: ${e.message}`);
  process.exit(1);
}
