import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP echo server on an ephemeral loopback port: the target the proxy tests forward to. */
export async function startEcho(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('echo server has no port');
  return {
    port: address.port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A client connection that collects what it receives, and how it ended. */
export interface TestClient {
  readonly socket: Socket;
  received(): Buffer;
  /** Resolves when at least `bytes` have arrived; rejects when the socket ends first. */
  waitFor(bytes: number, timeoutMs?: number): Promise<number>;
  /** The error code the socket failed with (`ECONNRESET`, …), once it closed. */
  readonly closed: Promise<string>;
}

export function client(port: number): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let size = 0;
    const waiters = new Set<() => void>();
    let failure = '';
    const closed = new Promise<string>((done) => {
      socket.on('error', (error: NodeJS.ErrnoException) => (failure = error.code ?? error.message));
      socket.on('close', () => {
        done(failure || 'closed');
        for (const wake of waiters) wake();
      });
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      for (const wake of waiters) wake();
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        closed,
        waitFor(bytes, timeoutMs = 10_000) {
          const started = performance.now();
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`only ${String(size)} of ${String(bytes)} bytes within ${String(timeoutMs)} ms`)), timeoutMs);
            const check = () => {
              if (size >= bytes) {
                clearTimeout(timer);
                waiters.delete(check);
                ok(performance.now() - started);
              } else if (socket.destroyed) {
                clearTimeout(timer);
                waiters.delete(check);
                fail(new Error(`connection closed (${failure || 'closed'}) after ${String(size)} of ${String(bytes)} bytes`));
              }
            };
            waiters.add(check);
            check();
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** Connects and reports how the attempt ended: 'connected' or the error code. */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
