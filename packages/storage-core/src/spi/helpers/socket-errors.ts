import type { StorageErrorCode } from '../../errors/index.js';

/** How a Node.js socket or DNS failure is reported: the same for every adapter. */
export interface SocketErrorClass {
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  /** What happened, for a human; `backend` names the server (e.g. `PostgreSQL`). */
  readonly message: (backend: string) => string;
}

const transient = (describe: (backend: string) => string): SocketErrorClass => ({ code: 'UNAVAILABLE', retryable: true, message: describe });

/**
 * Node.js `error.code`s of sockets and name resolution. A refused, reset or unreachable
 * connection is UNAVAILABLE and retryable; a connect or read that timed out is TIMEOUT; a host
 * name that does not exist is a configuration mistake (CONFIG_INVALID), unlike a resolver that
 * failed for now (EAI_AGAIN).
 */
const SOCKET_ERRORS: Readonly<Record<string, SocketErrorClass>> = {
  ECONNREFUSED: transient((b) => `connection refused by the ${b} host`),
  ECONNRESET: transient((b) => `the connection to ${b} was reset`),
  ECONNABORTED: transient((b) => `the connection to ${b} was aborted`),
  EPIPE: transient((b) => `the connection to ${b} was closed while writing`),
  EHOSTUNREACH: transient((b) => `the ${b} host is unreachable`),
  ENETUNREACH: transient((b) => `the network of the ${b} host is unreachable`),
  EAI_AGAIN: transient((b) => `the ${b} host name could not be resolved (temporary)`),
  ETIMEDOUT: { code: 'TIMEOUT', retryable: true, message: (b) => `the connection to ${b} timed out` },
  ESOCKETTIMEDOUT: { code: 'TIMEOUT', retryable: true, message: (b) => `the ${b} socket timed out` },
  ENOTFOUND: { code: 'CONFIG_INVALID', retryable: false, message: (b) => `the ${b} host name does not resolve; check the configured host` },
};

/**
 * The class of a socket-level failure, read from `error.code` (or its `cause.code`, where drivers
 * wrap the socket error); `undefined` when `error` is not one.
 */
export function classifySocketError(error: unknown): SocketErrorClass | undefined {
  return lookup(codeOf(error)) ?? lookup(codeOf(field(error, 'cause')));
}

/** The Node.js socket error code `error` carries, when it is one {@link classifySocketError} knows. */
export function socketErrorCode(error: unknown): string | undefined {
  const own = codeOf(error);
  if (lookup(own) !== undefined) return own;
  const inner = codeOf(field(error, 'cause'));
  return lookup(inner) === undefined ? undefined : inner;
}

function lookup(code: string | undefined): SocketErrorClass | undefined {
  return code !== undefined && Object.hasOwn(SOCKET_ERRORS, code) ? SOCKET_ERRORS[code] : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = field(error, 'code');
  return typeof code === 'string' ? code : undefined;
}
