import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { createMemoryRecordStore } from '@sanctum/storage-core/spi';
import { recordStoreContract } from '../src/index.js';
import { collect } from './support/fake-runner.js';

const fixture = fileURLToPath(new URL('./fixtures/node-test-records.ts', import.meta.url));

function runUnderNodeTest(broken: boolean): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['--conditions=@sanctum/source', '--import', 'tsx', '--test', '--test-reporter=tap', fixture], {
    encoding: 'utf8',
    env: { ...process.env, STORAGE_CONTRACT_BROKEN: broken ? '1' : '0' },
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('runner-agnostic', () => {
  it('the record suite runs under node:test and passes on the memory store', () => {
    const { status, output } = runUnderNodeTest(false);
    assert.equal(status, 0, output.slice(-3_000));
    const expected = collect((runner) =>
      recordStoreContract({ runner, create: () => createMemoryRecordStore(), capabilities: { ttl: true, bulk: true, transactions: true, splice: true } }),
    ).length;
    assert.match(output, /# fail 0/);
    assert.match(output, new RegExp(`# pass ${String(expected)}\\b`), 'node:test must run every test of the suite');
  });

  it('the same suite fails under node:test on a store that ignores ifMatch', () => {
    const { status, output } = runUnderNodeTest(true);
    assert.notEqual(status, 0);
    assert.match(output, /not ok \d+ - a stale ifMatch fails with PRECONDITION_FAILED and changes nothing/);
  });
});
