import { get } from 'node:http';
import { connect } from 'node:net';

/** Resolves when a TCP connection to host:port succeeds within `timeoutMs`; rejects otherwise. */
export function tcpReachable(host: string, port: number, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** GET /_ping on a Docker engine's unix socket; true when it answers 200 within `timeoutMs`. */
export function dockerSocketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** "host:port" → [host, port]; IPv6 literals may be bracketed. */
export function splitHostPort(address: string, defaultPort: number): [string, number] {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address.trim());
  if (m === null || m[1] === undefined) throw new Error(`not a host:port address: ${address}`);
  if (m[1].includes(':') && !address.startsWith('[')) return [address, defaultPort]; // bare IPv6
  return [m[1], m[2] === undefined ? defaultPort : Number(m[2])];
}
