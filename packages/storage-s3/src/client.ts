import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import * as https from 'node:https';
import { Client } from 'minio';
import { PassThrough, Readable } from 'node:stream';
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
  readonly #agent: http.Agent;

  constructor(options: ResolvedS3Options) {
    const base = options.useSSL ? https : http;
    this.#agent = new base.Agent({ keepAlive: true, maxSockets: options.maxSockets });
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
    this.client = new MinioClient({
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
    });
    // Every body this adapter sends carries a Content-MD5 (signed, verified by the server).
    if (!options.signPayload) this.client.enableSHA256 = false;
  }

  /** Runs `operation` with `signal` attached to every request it makes. */
  withSignal<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    return currentSignal.run(signal, operation);
  }

  /**
   * Sends one request; resolves with the response when its status is in `ok`, else reads the error
   * body and throws an {@link S3ResponseError}. The caller consumes or destroys the response body.
   */
  async request(request: S3Request, payload: Buffer | string | readonly Buffer[] = '', ok: readonly number[] = [200]): Promise<http.IncomingMessage> {
    const response = await this.#send(request, payload);
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
 * The body of a GET response as the caller gets it: a failure while streaming (reset, idle
 * timeout, abort) surfaces as a mapped StorageError, never a raw socket error; destroying the
 * body early releases the connection.
 */
export function mappedBody(response: http.IncomingMessage, context: ErrorContext): Readable {
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  // Forwarded by hand, not with pipe(): pipe() listens for errors on the body itself, and the
  // check below must see only the consumer's listeners.
  response.on('data', (chunk: Buffer) => {
    if (!body.write(chunk)) response.pause();
  });
  body.on('drain', () => response.resume());
  response.once('end', () => body.end());
  // Like an IncomingMessage, report a failure only to a consumer that listens for errors; an
  // abandoned body (nobody reading it) must not crash the process when the connection drops.
  response.once('error', (error) => body.destroy(body.listenerCount('error') > 0 ? toStorageError(error, context) : undefined));
  body.once('close', () => {
    if (!response.complete) response.destroy();
  });
  return body;
}
