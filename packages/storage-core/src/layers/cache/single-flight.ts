/**
 * Coalesces concurrent calls for one key: the first runs `work`, the others wait for its result
 * (or its failure). The entry leaves as soon as the call settles, so nothing is cached here.
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  /** The running call for `key`, or a new one of `work`. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running;
    const flight = work().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, flight);
    return flight;
  }
}
