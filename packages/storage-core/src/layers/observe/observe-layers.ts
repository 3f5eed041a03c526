import type { BlobNamespaceConfig, RecordNamespaceConfig, StreamNamespaceConfig } from '../../config/index.js';
import type { BlobStore, MessageHandler, RecordOperations, RecordStore, StreamStore } from '../../spi/index.js';
import type { Layer } from '../layer.js';
import { instrument } from './instrument.js';

/** Metrics, spans and error logs for every record operation. */
export const observeRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, ctx) => {
  const observed: RecordStore = {
    kind: 'record',
    name: store.name,
    capabilities: store.capabilities,
    get: instrument('get', 'record', store.get.bind(store), ctx),
    put: instrument('put', 'record', store.put.bind(store), ctx),
    delete: instrument('delete', 'record', store.delete.bind(store), ctx),
    list: instrument('list', 'record', store.list.bind(store), ctx),
  };
  if (store.getMany) observed.getMany = instrument('getMany', 'record', store.getMany.bind(store), ctx);
  if (store.putMany) observed.putMany = instrument('putMany', 'record', store.putMany.bind(store), ctx);
  if (store.deleteMany) observed.deleteMany = instrument('deleteMany', 'record', store.deleteMany.bind(store), ctx);
  if (store.transaction) {
    const transaction = store.transaction.bind(store);
    const observedTransaction = instrument('transaction', 'record', (work: (tx: RecordOperations) => Promise<unknown>) => transaction(work), ctx);
    observed.transaction = <T>(work: (tx: RecordOperations) => Promise<T>) => observedTransaction(work) as Promise<T>;
  }
  return observed;
};

/** Metrics, spans and error logs for every blob operation; payload bytes from object sizes. */
export const observeBlobs: Layer<BlobStore, BlobNamespaceConfig> = (store, ctx) => {
  const observed: BlobStore = {
    kind: 'blob',
    name: store.name,
    capabilities: store.capabilities,
    put: instrument('put', 'blob', store.put.bind(store), ctx, (result) => result.size),
    get: instrument('get', 'blob', store.get.bind(store), ctx, (result) => result?.meta.size),
    head: instrument('head', 'blob', store.head.bind(store), ctx),
    delete: instrument('delete', 'blob', store.delete.bind(store), ctx),
    list: instrument('list', 'blob', store.list.bind(store), ctx),
  };
  if (store.presign) observed.presign = instrument('presign', 'blob', store.presign.bind(store), ctx);
  return observed;
};

/** Metrics and spans for publish, subscribe and every handled message (`consume`). */
export const observeStreams: Layer<StreamStore, StreamNamespaceConfig> = (store, ctx) => {
  const publish = instrument('publish', 'stream', store.publish.bind(store), ctx, (_receipts, request) =>
    request.messages.reduce((bytes, message) => bytes + message.payload.byteLength, 0),
  );
  const subscribe = instrument('subscribe', 'stream', store.subscribe.bind(store), ctx);
  return {
    kind: 'stream',
    name: store.name,
    capabilities: store.capabilities,
    publish,
    subscribe(request) {
      const handle = instrument('consume', 'stream', request.handler, ctx);
      const handler: MessageHandler = (message) => handle(message);
      return subscribe({ ...request, handler });
    },
  };
};
