import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { S3ResponseError, codeForStatus, toStorageError, type ErrorContext } from './errors.js';
import type { ResolvedS3Options } from './options.js';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, objectPath, presignPath, signRequest, type SigningCredentials } from './signer.js';
import { xmlText } from './xml.js';

/** One S3 request: bucket and key as they are, the query already encoded. */
export interface S3Request {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  readonly bucketName?: string;
  readonly objectName?: string;
  readonly query?: string;
  readonly headers?: Record<string, string>;
}

/** Where a request goes: the host to connect to, the Host header and the encoded path. */
export interface S3Location {
  readonly hostname: string;
  readonly host: string;
  readonly path: string;
}

// What a response body buffers before its socket is paused: responses take their high-water mark
// from their socket's, which the agent sets.
const RESPONSE_BUFFER_BYTES = 1024 * 1024;

const AWS_ENDPOINT = 's3.amazonaws.com';

// The signal of the operation running in this async context; every request made in it carries the
// signal, so an abort cancels in-flight requests without threading it through every helper.
const currentSignal = new AsyncLocalStorage<AbortSignal | undefined>();

function socketTimeout(timeoutMs: number): Error {
  return Object.assign(new Error(`no data from the S3 endpoint for ${String(timeoutMs)} ms`), { code: 'ETIMEDOUT' });
}

// AWS's global endpoint name is answered per region; any other host (RGW, MinIO) is used as given.
function regionalHost(endPoint: string, region: string): string {
  if (endPoint !== AWS_ENDPOINT) return endPoint;
  return region.startsWith('cn-') ? `s3.${region}.amazonaws.com.cn` : `s3.${region}.amazonaws.com`;
}

function chunksOf(payload: Buffer | string | readonly Buffer[]): readonly Buffer[] {
  if (typeof payload === 'string') return payload === '' ? [] : [Buffer.from(payload, 'utf8')];
  return Buffer.isBuffer(payload) ? [payload] : payload;
}

/**
 * The HTTP transport of the adapter: requests signed with SigV4, a keep-alive agent of its own, a
 * socket idle timeout, per-operation abort signals, no retries (the facade's resilience layer owns
 * them) and error responses parsed into {@link S3ResponseError}.
 */
export class S3Connection {
  readonly #agent: http.Agent;
  readonly #base: typeof http | typeof https;
  readonly #options: ResolvedS3Options;
  readonly #credentials: SigningCredentials;
  readonly #hostname: string;
  // Over plain HTTP with signPayload, a body is signed by its SHA-256; else it travels as
  // UNSIGNED-PAYLOAD, protected by its Content-MD5 (verified by the server) or by TLS.
  readonly #hashBodies: boolean;

  constructor(options: ResolvedS3Options) {
    this.#options = options;
    this.#base = options.useSSL ? https : http;
    // A response buffers up to RESPONSE_BUFFER_BYTES before its socket is paused (the default
    // 16 KiB stops and restarts the socket at every 64 KiB read of a download).
    this.#agent = new this.#base.Agent({ keepAlive: true, maxSockets: options.maxSockets, readableHighWaterMark: RESPONSE_BUFFER_BYTES } as http.AgentOptions);
    this.#credentials = { accessKey: options.accessKey, secretKey: options.secretKey, sessionToken: options.sessionToken };
    this.#hostname = regionalHost(options.endPoint, options.region);
    this.#hashBodies = options.signPayload && !options.useSSL;
  }

  /** Runs `operation` with `signal` attached to every request it makes. */
  withSignal<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    return currentSignal.run(signal, operation);
  }

  /**
   * Where a request for `bucket` and `key` goes. Virtual-host style (`pathStyle: false`, and always
   * on AWS) puts the bucket in the host name, except over TLS for a bucket name with a dot, which no
   * wildcard certificate covers.
   */
  location(bucket: string | undefined, key: string | undefined): S3Location {
    const { useSSL, pathStyle, port } = this.#options;
    const virtual = bucket !== undefined && !(useSSL && bucket.includes('.')) && (!pathStyle || this.#options.endPoint === AWS_ENDPOINT);
    const hostname = virtual ? `${bucket}.${this.#hostname}` : this.#hostname;
    // An IPv6 address is bracketed in the Host header (RFC 3986 authority).
    const name = hostname.includes(':') ? `[${hostname}]` : hostname;
    const host = port === undefined || port === (useSSL ? 443 : 80) ? name : `${name}:${String(port)}`;
    const keyPath = key === undefined ? '' : `/${objectPath(key)}`;
    const path = virtual || bucket === undefined ? keyPath : `/${bucket}${keyPath}`;
    return { hostname, host, path: path === '' ? '/' : path };
  }

  /**
   * Sends one request; resolves with the response when its status is in `ok`, else reads the error
   * body and throws an {@link S3ResponseError}. The caller consumes or destroys the response body.
   * `payloadSha256` (hex): the payload's SHA-256, known to the caller, signed as
   * `x-amz-content-sha256` so that the server checks the body against it.
   */
  async request(request: S3Request, payload: Buffer | string | readonly Buffer[] = '', ok: readonly number[] = [200], payloadSha256?: string): Promise<http.IncomingMessage> {
    const response = await this.#send(request, chunksOf(payload), payloadSha256);
    if (ok.includes(Number(response.statusCode))) return response;
    throw await responseError(response);
  }

  #payloadHash(chunks: readonly Buffer[]): string {
    if (chunks.length === 0) return EMPTY_SHA256;
    if (!this.#hashBodies) return UNSIGNED_PAYLOAD;
    const hash = createHash('sha256');
    for (const chunk of chunks) hash.update(chunk);
    return hash.digest('hex');
  }

  // The chunks are written one after the other: a body of several buffers is never concatenated.
  #send(request: S3Request, chunks: readonly Buffer[], payloadSha256: string | undefined): Promise<http.IncomingMessage> {
    const { hostname, host, path } = this.location(request.bucketName, request.objectName);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      headers['content-length'] = String(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
    }
    const query = request.query ?? '';
    const signed = signRequest(
      { method: request.method, host, path: query === '' ? path : `${path}?${query}`, headers, payloadSha256: payloadSha256 ?? this.#payloadHash(chunks) },
      this.#credentials,
      this.#options.region,
    );
    const signal = currentSignal.getStore();
    const timeoutMs = this.#options.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const outgoing = this.#base.request(
        {
          method: request.method,
          hostname,
          ...(this.#options.port === undefined ? {} : { port: this.#options.port }),
          path: signed.path,
          headers: signed.headers,
          agent: this.#agent,
          ...(signal === undefined ? {} : { signal }),
        },
        resolve,
      );
      // Once the response is out, a socket failure reaches the caller through the response body.
      outgoing.on('error', reject);
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(socketTimeout(timeoutMs)));
      for (const chunk of chunks) outgoing.write(chunk);
      outgoing.end();
    });
  }

  /** Sends one request and returns its status, headers and whole (small) body as text. */
  async requestText(request: S3Request, payload: Buffer | string = '', ok: readonly number[] = [200]): Promise<{ headers: http.IncomingHttpHeaders; text: string }> {
    const response = await this.request(request, payload, ok);
    const text = await readText(response);
    // CopyObject and CompleteMultipartUpload may fail after sending 200: the error is in the body.
    if (text.includes('<Error>')) throw errorFromXml(Number(response.statusCode), text, response.headers);
    return { headers: response.headers, text };
  }

  /** A presigned URL for `method` on the object, valid for `expiresInSeconds`. */
  presignedUrl(method: string, bucket: string, key: string, expiresInSeconds: number): string {
    const { host, path } = this.location(bucket, key);
    const signed = presignPath({ method, host, path }, this.#credentials, this.#options.region, expiresInSeconds);
    return `${this.#options.useSSL ? 'https' : 'http'}://${host}${signed}`;
  }

  /** Closes the idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }
}

async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorFromXml(status: number, text: string, headers: http.IncomingHttpHeaders): S3ResponseError {
  const code = xmlText(text, 'Code') ?? codeForStatus(status);
  const header = headers['x-amz-request-id'];
  const requestId = xmlText(text, 'RequestId') ?? (typeof header === 'string' ? header : undefined);
  return new S3ResponseError(status, code, xmlText(text, 'Message') || `S3 answered ${String(status)} ${code}`, requestId);
}

async function responseError(response: http.IncomingMessage): Promise<S3ResponseError> {
  const status = Number(response.statusCode);
  const text = await readText(response).catch(() => '');
  return errorFromXml(status, text, response.headers);
}

/**
 * The body of a GET response as the caller gets it: the response itself (no extra stream stage
 * between the socket and the caller), with every failure while streaming (reset, idle timeout,
 * abort) surfacing as a mapped StorageError, never a raw socket error. Destroying the body early
 * releases the connection. Like any IncomingMessage it reports a failure only to a consumer that
 * listens for errors, so an abandoned body cannot crash the process when the connection drops.
 */
export function mappedBody(response: http.IncomingMessage, context: ErrorContext): Readable {
  const destroy = response._destroy.bind(response);
  response._destroy = (error, callback) => {
    destroy(error, (failure) => callback(failure === null || failure === undefined ? failure : toStorageError(failure, context)));
  };
  return response;
}
