import { strict as assert } from 'node:assert';
import type { StreamMessage } from '@sanctum/storage-core/spi';
import { rejectsWith } from '../support/assert-error.js';
import { sleep } from '../support/time.js';
import { indexOf, type StreamHarness } from './harness.js';
import type { StreamSuite } from './stream-contract.js';

function collector(): { seen: Set<number>; handler: (message: StreamMessage) => Promise<void> } {
  const seen = new Set<number>();
  return { seen, handler: async (message) => void seen.add(indexOf(message)) };
}

async function expectExactly(t: StreamHarness, seen: Set<number>, expected: readonly number[], what: string): Promise<void> {
  await t.waitFor(() => expected.every((i) => seen.has(i)), what);
  await t.settle();
  assert.deepEqual([...seen].sort((a, b) => a - b), [...expected], what);
}

/** Where a new group starts, and that an existing group ignores it. */
export function registerPositions({ describe, it, options }: StreamSuite): void {
  describe('start positions', () => {
    it("a new group starts at 'earliest' by default", async (t) => {
      await t.publish([0, 1]);
      const implicit = collector();
      const explicit = collector();
      await t.subscribe({ handler: implicit.handler });
      await t.subscribe({ from: 'earliest', handler: explicit.handler });
      await expectExactly(t, implicit.seen, [0, 1], 'a group without from gets every retained message');
      await expectExactly(t, explicit.seen, [0, 1], "a group from 'earliest' gets every retained message");
    });

    it("a new group at 'latest' gets only messages published after it subscribed", async (t) => {
      await t.publish([0, 1]);
      const { seen, handler } = collector();
      await t.subscribe({ from: 'latest', handler });
      await t.publish([2, 3]);
      await expectExactly(t, seen, [2, 3], "a group from 'latest'");
    });

    it('an existing group resumes from its cursor whatever from says', async (t) => {
      await t.publish([0, 1]);
      const { seen, handler } = collector();
      const first = await t.subscribe({ group: 'g', handler });
      await t.waitFor(() => seen.size === 2, 'the first two messages');
      await first.close();
      await t.publish([2, 3]);
      const second = await t.subscribe({ group: 'g', from: 'latest', handler });
      await expectExactly(t, seen, [0, 1, 2, 3], "a resumed group given from 'latest' must still get what it has not seen");
      await second.close();
      await t.publish([4]);
      const replay = collector();
      await t.subscribe({ group: 'g', from: 'earliest', handler: replay.handler });
      await expectExactly(t, replay.seen, [4], "a resumed group given from 'earliest' must not replay acked messages");
    });

    if (options.capabilities.replayFromId) {
      it('a new group can start after a given id', async (t) => {
        const ids = await t.publish([0, 1, 2, 3]);
        const { seen, handler } = collector();
        await t.subscribe({ from: { afterId: ids[1]! }, handler });
        await expectExactly(t, seen, [2, 3], 'a group from afterId');
      });
    } else {
      it('replayFromId undeclared: subscribing after an id fails with UNSUPPORTED', async (t) => {
        const ids = await t.publish([0]);
        await rejectsWith(t.subscribe({ from: { afterId: ids[0]! }, handler: async () => undefined }), 'UNSUPPORTED', 'subscribe from afterId');
      });
    }

    if (options.capabilities.replayFromTime) {
      it('a new group can start at a point in time', async (t) => {
        await t.publish([0, 1]);
        await sleep(options.timeGapMs);
        const from = new Date();
        await sleep(options.timeGapMs);
        await t.publish([2, 3]);
        const { seen, handler } = collector();
        await t.subscribe({ from: { fromTime: from }, handler });
        await expectExactly(t, seen, [2, 3], 'a group from fromTime');
      });
    } else {
      it('replayFromTime undeclared: subscribing from a time fails with UNSUPPORTED', async (t) => {
        await rejectsWith(t.subscribe({ from: { fromTime: new Date() }, handler: async () => undefined }), 'UNSUPPORTED', 'subscribe from fromTime');
      });
    }
  });
}
