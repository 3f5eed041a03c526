import type { Socket } from 'node:net';
import type { Toxics } from './proxy.js';

/** One direction of a proxied connection. */
export interface Pipe {
  /** Forward what is due now (called when a black hole is lifted). */
  kick(): void;
  /** Drop what is queued and stop the timers (the connection is gone). */
  dispose(): void;
}

/** How a pipe reads the proxy's current settings and reports back. */
export interface PipeSettings {
  readonly toxics: () => Toxics;
  readonly random: () => number;
  readonly onReset: () => void;
  readonly counted: (bytes: number) => void;
}

// Above this much queued data the source is paused, so a slow or black-holed link pushes back on
// the sender (as a full TCP window would) instead of buffering without limit.
const HIGH_WATER = 1024 * 1024;

/**
 * Forwards chunks from `source` to `sink` in order, each delivered no earlier than its arrival plus
 * latency ± jitter, spaced by the bandwidth cap, and held while the link is black-holed.
 */
export function pipeChunks(source: Socket, sink: Socket, settings: PipeSettings): Pipe {
  const queue: Array<{ chunk: Buffer; due: number }> = [];
  let queued = 0;
  // When the previous chunk finished "arriving": chunks never overtake each other, and with a
  // bandwidth cap each one occupies the link for its length / rate.
  let lastDue = 0;
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;
  let ended = false;

  const flush = (): void => {
    timer = undefined;
    if (disposed || settings.toxics().blackhole) return;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      if (sink.destroyed) return;
      sink.write(chunk);
      settings.counted(chunk.length);
    }
    if (queued < HIGH_WATER && source.isPaused()) source.resume();
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0]!.due - now));
    else if (ended && !sink.destroyed) sink.end();
  };

  const schedule = (): void => {
    if (timer === undefined && !disposed) timer = setTimeout(flush, Math.max(0, (queue[0]?.due ?? 0) - performance.now()));
  };

  source.on('data', (chunk: Buffer) => {
    const toxics = settings.toxics();
    if (toxics.resetProbability > 0 && settings.random() < toxics.resetProbability) {
      settings.onReset();
      return;
    }
    const now = performance.now();
    const jitter = toxics.jitterMs === 0 ? 0 : (settings.random() * 2 - 1) * toxics.jitterMs;
    const delay = Math.max(0, toxics.latencyMs + jitter);
    const transfer = toxics.bandwidthBytesPerSec === 0 ? 0 : (chunk.length / toxics.bandwidthBytesPerSec) * 1000;
    const due = Math.max(now + delay, lastDue) + transfer;
    lastDue = due;
    queue.push({ chunk, due });
    queued += chunk.length;
    if (queued >= HIGH_WATER) source.pause();
    // Nothing delayed and nothing waiting: forward at once (the common, clean case).
    if (due <= now && queue.length === 1 && !toxics.blackhole) flush();
    else schedule();
  });
  // A half-close (FIN) follows the data that came before it.
  source.on('end', () => {
    ended = true;
    if (queue.length === 0 && !settings.toxics().blackhole && !sink.destroyed) sink.end();
  });

  return {
    kick() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (queue.length > 0) flush();
      else if (ended && !sink.destroyed) sink.end();
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      queue.length = 0;
    },
  };
}
