import type { StreamTopic } from '@sanctum/storage-core';
import { PUBLISH_DEADLINE_MS, profile, sleep, startLoad, type CallLog } from './harness.js';

/** What a stream scenario's publishers and consumer saw. */
export interface StreamTally {
  readonly acknowledged: Set<string>;
  readonly handled: Map<string, number>;
}

/** `workers` publishers of unique payloads; each publish the broker acknowledged is remembered. */
export function publishLoad(topic: StreamTopic<{ key: string }>, log: CallLog, tally: StreamTally, tag: string, workers = 8) {
  return () =>
    startLoad(workers, async (worker, i) => {
      const key = `${tag}-${String(worker)}-${String(i)}`;
      const ok = await log.run('publish', PUBLISH_DEADLINE_MS, () => topic.publish({ key }, { key }));
      if (ok) tally.acknowledged.add(key);
      return ok;
    });
}

/** Waits until the consumer has handled every acknowledged message, then counts lost and duplicates. */
export async function settle(tally: StreamTally): Promise<{ acknowledged: number; lost: number; duplicates: number }> {
  const deadline = Date.now() + profile.recoveryMs * 2;
  const missing = () => [...tally.acknowledged].filter((key) => !tally.handled.has(key));
  while (missing().length > 0 && Date.now() < deadline) await sleep(100);
  const duplicates = [...tally.handled.values()].reduce((total, n) => total + n - 1, 0);
  return { acknowledged: tally.acknowledged.size, lost: missing().length, duplicates };
}

/** A handler that counts each delivery of a payload key. */
export function countingHandler(tally: StreamTally) {
  return async (message: { readonly payload: { key: string } }): Promise<void> => {
    tally.handled.set(message.payload.key, (tally.handled.get(message.payload.key) ?? 0) + 1);
  };
}
