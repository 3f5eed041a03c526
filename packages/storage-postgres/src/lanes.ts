import type { Client } from './connection.js';

/** One connection of the pool: its own postgres.js instance with `max: 1`. */
export interface Lane {
  readonly client: Client;
  /** Statements sent on this connection and not yet answered. */
  inFlight: number;
  /** Held by a transaction: nothing else is routed here until it ends. */
  exclusive: boolean;
  /** Replaced after its connection was discarded: its late releases no longer count. */
  retired?: boolean;
  /** When each in-flight statement was sent, oldest first (a connection answers in order). */
  readonly sent: number[];
}

/**
 * A statement in flight longer than this (waiting on a lock, say) makes its connection take no
 * pipelined statements: they would wait behind it. Short enough to matter, long enough that
 * ordinary statements never trigger it.
 */
export const STALL_MS = 50;

interface Waiter {
  readonly exclusive: boolean;
  readonly resolve: (lane: Lane) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

/**
 * The connection pool: `size` single-connection postgres.js instances and a scheduler in front.
 *
 * Why not one postgres.js pool: when all its connections are busy it pipelines new queries onto
 * them through a queue whose bookkeeping grows with every such query, so a saturated pool slows
 * down the longer it runs. Here every connection is its own instance, so that queue never holds
 * more than one entry, and this scheduler decides instead: each statement goes to the least
 * loaded connection, at most `depth` statements are in flight per connection (pipelining, which
 * saves a write and a wake-up per statement under load) and none is queued behind a statement
 * running longer than STALL_MS; callers beyond that wait here in FIFO order. A transaction takes
 * a connection for itself.
 */
export class Lanes {
  readonly lanes: Lane[];
  readonly #depth: number;
  #waiters: Waiter[] = [];
  #head = 0;
  #waiting = 0;
  #active = 0;

  readonly #connect: (() => Client) | undefined;
  /** Connections discarded so far (stuck past a deadline). */
  discarded = 0;

  constructor(clients: readonly Client[], depth: number, connect?: () => Client) {
    this.lanes = clients.map((client) => ({ client, inFlight: 0, exclusive: false, sent: [] }));
    this.#depth = depth;
    this.#connect = connect;
  }

  /**
   * Replaces `lane` by a fresh connection (when not done already): a statement there did not answer by
   * its deadline, even after a cancel request. The old connection is destroyed (its other statements
   * fail with CONNECTION_DESTROYED and give their slots back as usual) and never reused; the lane
   * connects afresh on its next statement. postgres.js can leave a connection hanging after a
   * server restart: this is also what frees a lane from that.
   */
  discard(lane: Lane): void {
    const index = this.lanes.indexOf(lane);
    if (this.#connect === undefined || index < 0 || lane.exclusive) return;
    // A fresh lane: statements still counted on the old one may never settle (postgres.js can keep
    // a query of a closed connection waiting), and must not keep the new connection looking busy.
    lane.retired = true;
    this.#active -= lane.inFlight;
    this.lanes[index] = { client: this.#connect(), inFlight: 0, exclusive: false, sent: [] };
    this.discarded += 1;
    void lane.client.end({ timeout: 0 }).catch(() => undefined);
    this.#dispatch();
  }

  /** Statements in flight plus transactions running. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a connection. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Connections held by transactions. */
  get exclusive(): number {
    return this.lanes.filter((lane) => lane.exclusive).length;
  }

  /** A connection for one statement at once, or undefined (then `acquire`). Keeps FIFO order. */
  tryAcquire(): Lane | undefined {
    if (this.#waiting > 0) return undefined;
    const now = performance.now();
    const lane = this.#pick(false, now);
    if (lane !== undefined) this.#take(lane, false, now);
    return lane;
  }

  /** Waits for a connection for one statement (`exclusive`: for a transaction). */
  acquire(exclusive: boolean, signal?: AbortSignal): Promise<Lane> {
    if (this.#waiting === 0) {
      const now = performance.now();
      const lane = this.#pick(exclusive, now);
      if (lane !== undefined) {
        this.#take(lane, exclusive, now);
        return Promise.resolve(lane);
      }
    }
    return new Promise<Lane>((resolve, reject) => {
      const waiter: Waiter = { exclusive, resolve, reject, signal, onAbort: undefined, done: false };
      if (signal !== undefined) {
        // Removed when the waiter is served, so this runs only while it still waits.
        waiter.onAbort = () => {
          waiter.done = true;
          this.#waiting -= 1;
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#waiting += 1;
    });
  }

  /** Gives back what `tryAcquire` / `acquire` took. */
  release(lane: Lane, exclusive: boolean): void {
    if (lane.retired === true) return;
    if (exclusive) {
      lane.exclusive = false;
    } else {
      lane.inFlight -= 1;
      lane.sent.shift();
    }
    this.#active -= 1;
    this.#dispatch();
  }

  #take(lane: Lane, exclusive: boolean, now: number): void {
    if (exclusive) {
      lane.exclusive = true;
    } else {
      lane.inFlight += 1;
      lane.sent.push(now);
    }
    this.#active += 1;
  }

  /**
   * The least loaded connection that can take one more statement (or a transaction): not held
   * by a transaction, under the depth (statements only), and not stuck on a slow statement.
   */
  #pick(exclusive: boolean, now: number): Lane | undefined {
    // Searching from the first connection every time keeps light traffic on a few warm server
    // processes instead of waking a cold one per statement.
    let best: Lane | undefined;
    for (const lane of this.lanes) {
      if (lane.exclusive || (!exclusive && lane.inFlight >= this.#depth)) continue;
      if (lane.inFlight > 0 && now - lane.sent[0]! > STALL_MS) continue;
      if (best === undefined || lane.inFlight < best.inFlight) {
        best = lane;
        if (lane.inFlight === 0) break;
      }
    }
    return best;
  }

  #dispatch(): void {
    const now = performance.now();
    while (this.#head < this.#waiters.length) {
      const waiter = this.#waiters[this.#head]!;
      if (!waiter.done) {
        const lane = this.#pick(waiter.exclusive, now);
        if (lane === undefined) return; // strict FIFO: the head waits for the next release
        waiter.done = true;
        this.#waiting -= 1;
        if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener('abort', waiter.onAbort);
        this.#take(lane, waiter.exclusive, now);
        waiter.resolve(lane);
      }
      this.#head += 1;
      if (this.#head === this.#waiters.length) {
        this.#waiters = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#head);
        this.#head = 0;
      }
    }
  }
}
