import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import * as https from 'node:https';
import { Client } from 'minio';
import { Readable } from 'node:stream';
import { S3ResponseError, codeForStatus, toStorageError, type ErrorContext } from './errors.js';
import type { ResolvedS3Options } from './options.js';
import { xmlText } from './xml.js';

/** One S3 request as minio signs it. */
export interface S3Request {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  readonly bucketName?: string;
  readonly objectName?: string;
  readonly query?: string;
  readonly headers?: Record<string, string>;
}

/** A part of a multipart upload as the server lists it. */
export interface ListedPart {
  readonly part: number;
  readonly etag: string;
  readonly size: number;
}

// What a response body buffers before its socket is paused: responses take their high-water mark
// from their socket's, which the agent sets.
const RESPONSE_BUFFER_BYTES = 1024 * 1024;

// Every status, so that minio hands back the response and this adapter parses errors itself.
const ANY_STATUS = Array.from({ length: 500 }, (_, index) => index + 100);

// The statuses minio answers with "Retryable HTTP status" before looking at the body (minio 8's
// retryHttpCodes), so the transport parses those error responses itself.
const HIDDEN_BY_MINIO: ReadonlySet<number> = new Set([408, 429, 499, 500, 502, 503, 504, 520]);

// The signal of the operation running in this async context; the transport attaches it to every
// HTTP request minio makes, so an abort cancels in-flight requests (minio has no signal API).
const currentSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/** minio's client with the protected `listParts` made reachable. */
class MinioClient extends Client {
  uploadedParts(bucket: string, key: string, uploadId: string): Promise<ListedPart[]> {
    return this.listParts(bucket, key, uploadId);
  }
}

function socketTimeout(timeoutMs: number): Error {
  return Object.assign(new Error(`no data from the S3 endpoint for ${String(timeoutMs)} ms`), { code: 'ETIMEDOUT' });
}

/**
 * The minio client plus what the adapter needs around it: a keep-alive agent of its own, a socket
 * idle timeout, per-operation abort signals, no hidden retries (the facade's resilience layer owns
 * retries) and error responses parsed into {@link S3ResponseError}.
 */
export class S3Connection {
  readonly client: MinioClient;
  // The same transport, for requests whose payload SHA-256 the caller gives (minio signs a given
  // hash only with enableSHA256 on, a per-client switch).
  readonly #signing: MinioClient;
  readonly #agent: http.Agent;

  constructor(options: ResolvedS3Options) {
    const base = options.useSSL ? https : http;
    // A response buffers up to RESPONSE_BUFFER_BYTES before its socket is paused (the default
    // 16 KiB stops and restarts the socket at every 64 KiB read of a download).
    this.#agent = new base.Agent({ keepAlive: true, maxSockets: options.maxSockets, readableHighWaterMark: RESPONSE_BUFFER_BYTES } as http.AgentOptions);
    const timeoutMs = options.requestTimeoutMs;
    const transport = {
      request(requestOptions: http.RequestOptions, callback?: (response: http.IncomingMessage) => void): http.ClientRequest {
        const signal = currentSignal.getStore();
        const request = base.request({ ...requestOptions, ...(signal === undefined ? {} : { signal }) }, (response) => {
          if (!HIDDEN_BY_MINIO.has(Number(response.statusCode))) return callback?.(response);
          // minio turns these answers into "Retryable HTTP status: N" and drops their body, and with
          // it the S3 code that says whether the failure is transient (InternalError, SlowDown) or
          // permanent for this request (RGW's UnknownError): read the body here and fail the request
          // with the parsed error instead.
          void responseError(response).then((error) => request.emit('error', error));
        });
        request.setTimeout(timeoutMs, () => request.destroy(socketTimeout(timeoutMs)));
        return request;
      },
    };
    const settings = {
      endPoint: options.endPoint,
      ...(options.port === undefined ? {} : { port: options.port }),
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
      region: options.region,
      pathStyle: options.pathStyle,
      transport: transport as unknown as typeof http,
      transportAgent: this.#agent,
      retryOptions: { disableRetry: true },
    };
    this.client = new MinioClient(settings);
    // Every body this adapter sends carries a Content-MD5 or a signed SHA-256 (verified by the server).
    if (!options.signPayload) this.client.enableSHA256 = false;
    this.#signing = new MinioClient(settings);
    this.#signing.enableSHA256 = true;
  }

  /** Runs `operation` with `signal` attached to every request it makes. */
  withSignal<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    return currentSignal.run(signal, operation);
  }

  /**
   * Sends one request; resolves with the response when its status is in `ok`, else reads the error
   * body and throws an {@link S3ResponseError}. The caller consumes or destroys the response body.
   * `payloadSha256` (hex): the payload's SHA-256, known to the caller, signed as
   * `x-amz-content-sha256` so that the server checks the body against it.
   */
  async request(request: S3Request, payload: Buffer | string | readonly Buffer[] = '', ok: readonly number[] = [200], payloadSha256?: string): Promise<http.IncomingMessage> {
    const response = payloadSha256 === undefined ? await this.#send(request, payload) : await this.#sendSigned(request, payload, payloadSha256);
    if (ok.includes(Number(response.statusCode))) return response;
    throw await responseError(response);
  }

  // A body of several buffers is streamed as it is (no concatenated copy) unless the signature
  // needs its SHA-256 (signPayload), which minio computes over one buffer.
  #send(request: S3Request, payload: Buffer | string | readonly Buffer[]): Promise<http.IncomingMessage> {
    const headers = { ...request.headers };
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) return this.client.makeRequestAsync({ ...request, headers }, payload, ANY_STATUS);
    const [first] = payload;
    if (payload.length === 1 && first !== undefined) return this.client.makeRequestAsync({ ...request, headers }, first, ANY_STATUS);
    if (this.client.enableSHA256) return this.client.makeRequestAsync({ ...request, headers }, Buffer.concat(payload), ANY_STATUS);
    headers['content-length'] = String(payload.reduce((total, chunk) => total + chunk.byteLength, 0));
    return this.client.makeRequestStreamAsync({ ...request, headers }, Readable.from(payload, { objectMode: false }), '', ANY_STATUS, '');
  }

  // The body with a SHA-256 the caller already has: minio signs it as given (no hash computed here).
  #sendSigned(request: S3Request, payload: Buffer | string | readonly Buffer[], payloadSha256: string): Promise<http.IncomingMessage> {
    const chunks = typeof payload === 'string' ? [Buffer.from(payload, 'utf8')] : Buffer.isBuffer(payload) ? [payload] : payload;
    const headers = { ...request.headers, 'content-length': String(chunks.reduce((total, chunk) => total + chunk.byteLength, 0)) };
    const [first] = chunks;
    const body = chunks.length === 1 && first !== undefined ? first : Readable.from(chunks, { objectMode: false });
    return this.#signing.makeRequestStreamAsync({ ...request, headers }, body, payloadSha256, ANY_STATUS, '');
  }

  /** Sends one request and returns its status, headers and whole (small) body as text. */
  async requestText(request: S3Request, payload: Buffer | string = '', ok: readonly number[] = [200]): Promise<{ headers: http.IncomingHttpHeaders; text: string }> {
    const response = await this.request(request, payload, ok);
    const text = await readText(response);
    // CopyObject and CompleteMultipartUpload may fail after sending 200: the error is in the body.
    if (text.includes('<Error>')) throw errorFromXml(Number(response.statusCode), text, response.headers);
    return { headers: response.headers, text };
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
