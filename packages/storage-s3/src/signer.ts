import { createHash } from 'node:crypto';
import aws4 from 'aws4';

/** The credentials a request is signed with. */
export interface SigningCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly sessionToken?: string | undefined;
}

/** One request to sign, its path already encoded (see {@link objectPath}). */
export interface UnsignedRequest {
  readonly method: string;
  /** The Host header: the host name, with the port when it is not the scheme's default. */
  readonly host: string;
  /** Encoded path and query, e.g. `/bucket/my%20key?uploadId=abc`. */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  readonly payloadSha256: string;
}

/** The SHA-256 of an empty body. */
export const EMPTY_SHA256: string = createHash('sha256').digest('hex');

/** The body hash S3 accepts in place of the body's SHA-256. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

// aws4 leaves Range out of the signature by default; S3 accepts it signed (AWS's own examples sign
// it), and a signed Range cannot be changed on the way.
const SIGNED_EXTRA = { range: true };

/** Percent-encoding of SigV4: everything but RFC 3986's unreserved characters (so also `!'()*`). */
export function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An object key as a URI path: every segment encoded, the slashes between segments kept. */
export function objectPath(key: string): string {
  return key.split('/').map(uriEscape).join('/');
}

function amzDate(now: Date): string {
  return now.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

function credentialsOf(credentials: SigningCredentials): aws4.Credentials {
  return { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey, ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }) };
}

/**
 * The headers of `request` with its SigV4 authorization (service `s3`), and the path to send. The
 * body itself never reaches the signer, only its hash: a body of several buffers is neither
 * concatenated nor hashed again here.
 */
export function signRequest(request: UnsignedRequest, credentials: SigningCredentials, region: string, now: Date = new Date()): { path: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    ...request.headers,
    host: request.host,
    'x-amz-date': amzDate(now),
    'x-amz-content-sha256': request.payloadSha256,
    ...(credentials.sessionToken === undefined ? {} : { 'x-amz-security-token': credentials.sessionToken }),
  };
  const signed = aws4.sign(
    { service: 's3', region, method: request.method, host: request.host, path: request.path, headers, extraHeadersToInclude: SIGNED_EXTRA } as aws4.Request,
    credentialsOf(credentials),
  );
  // aws4 works on a copy of the headers and adds only `Authorization`; it always sets both.
  return { path: String(signed.path), headers: { ...headers, authorization: String((signed.headers as Record<string, unknown>)['Authorization']) } };
}

/** A presigned URL's path and query: the signature is in the query, the body unsigned. */
export function presignPath(
  request: { readonly method: string; readonly host: string; readonly path: string },
  credentials: SigningCredentials,
  region: string,
  expiresInSeconds: number,
  now: Date = new Date(),
): string {
  const path = `${request.path}?X-Amz-Date=${amzDate(now)}&X-Amz-Expires=${String(expiresInSeconds)}`;
  const signed = aws4.sign({ service: 's3', region, method: request.method, host: request.host, path, headers: { host: request.host }, signQuery: true }, credentialsOf(credentials));
  return String(signed.path);
}
