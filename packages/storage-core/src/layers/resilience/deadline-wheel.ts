import { setMaxListeners } from 'node:events';

/** A call waiting on a slot of the wheel. */
export interface SlotMember {
  /** Called once when the member's slot expires while the member is still in it. */
  expire(slot: DeadlineSlot): void;
}

/**
 * Calls that started within one `slotMs` window share a deadline: the end of the window plus the
 * timeout (so each gets between `timeoutMs` and `timeoutMs + slotMs`), one timer and one abort
 * signal. A timer, an AbortController and a listener per call would cost more than a fast
 * backend's whole round trip (ADR 011).
 */
export class DeadlineSlot {
  readonly #members: Array<SlotMember | undefined> = [];
  #controller: AbortController | undefined;
  #expired = false;
  #reason: unknown;

  /** A slot that expires `delayMs` from now. */
  constructor(
    delayMs: number,
    private readonly makeReason: () => unknown,
  ) {
    setTimeout(() => this.#expire(), Math.ceil(delayMs)).unref();
  }

  /** Fires when the slot expires with a member still in it (the adapter then drops a stuck connection). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      // Every call of the slot may listen; that is expected, not a leak.
      setMaxListeners(0, this.#controller.signal);
      if (this.#expired) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Adds `member`; returns its index for `leave`. */
  join(member: SlotMember): number {
    return this.#members.push(member) - 1;
  }

  /** The member settled in time: it is not expired, and it is not kept alive until the slot ends. */
  leave(index: number): void {
    this.#members[index] = undefined;
  }

  #expire(): void {
    let pending = false;
    for (const member of this.#members) {
      if (member === undefined) continue;
      pending = true;
      member.expire(this);
    }
    this.#members.length = 0;
    // Only when something was still waiting: a finished call must not see its signal fire.
    if (pending) {
      this.#expired = true;
      this.#reason = this.makeReason();
      this.#controller?.abort(this.#reason);
    }
  }
}

/** The slots of one timeout; a new slot opens when the current one's window has passed. */
export class DeadlineWheel {
  #open: DeadlineSlot | undefined;
  #closesAt = 0;

  constructor(
    readonly timeoutMs: number,
    private readonly slotMs: number,
    private readonly makeReason: () => unknown,
  ) {}

  /**
   * The slot a call starting at `now` (`performance.now()`, read once per call by the caller) joins.
   * A slot opened at t expires at t + slotMs + timeoutMs or later, and takes calls until t + slotMs.
   */
  current(now: number): DeadlineSlot {
    if (this.#open === undefined || now >= this.#closesAt) {
      this.#closesAt = now + this.slotMs;
      this.#open = new DeadlineSlot(this.slotMs + this.timeoutMs, this.makeReason);
    }
    return this.#open;
  }
}
