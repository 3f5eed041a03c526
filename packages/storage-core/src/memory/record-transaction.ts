import type { RecordOperations } from '../spi/index.js';
import { memoryError } from './errors.js';
import type { RecordOps } from './record-ops.js';

/**
 * The operations a transaction callback receives. After the transaction ends they refuse to run,
 * so a handle leaked out of the callback cannot write outside the atomic unit.
 */
export function transactionOperations(ops: RecordOps): { operations: RecordOperations; finish: () => void } {
  let open = true;
  const guard = (operation: string, namespace: string): void => {
    if (!open) throw memoryError('INVALID_ARGUMENT', 'the transaction has already ended', operation, namespace);
  };
  const operations: RecordOperations = {
    get: async (request) => {
      guard('records.get', request.namespace);
      return ops.get(request);
    },
    put: async (request) => {
      guard('records.put', request.namespace);
      return ops.put(request);
    },
    delete: async (request) => {
      guard('records.delete', request.namespace);
      return ops.delete(request);
    },
    list: async (request) => {
      guard('records.list', request.namespace);
      return ops.list(request);
    },
  };
  return {
    operations,
    finish: () => {
      open = false;
    },
  };
}
