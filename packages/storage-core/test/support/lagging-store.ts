import type { RecordEntry, RecordStore } from '../../src/spi/index.js';

/**
 * A record store whose reads return what was stored `lagMs` ago, like a lagging replica: the
 * read-your-writes check must notice. Writes go through at once.
 */
export function laggingStore(inner: RecordStore, lagMs: () => number): RecordStore {
  const history = new Map<string, Array<{ at: number; entry: RecordEntry | undefined }>>();
  const remember = async (namespace: string, key: string) => {
    const entry = await inner.get({ namespace, key });
    const list = history.get(`${namespace}/${key}`) ?? [];
    list.push({ at: Date.now(), entry });
    history.set(`${namespace}/${key}`, list);
  };
  return {
    ...inner,
    kind: 'record',
    name: 'lagging',
    capabilities: inner.capabilities,
    async get(request) {
      const list = history.get(`${request.namespace}/${request.key}`);
      if (list === undefined) return inner.get(request);
      const visibleAt = Date.now() - lagMs();
      let visible: RecordEntry | undefined;
      for (const item of list) if (item.at <= visibleAt) visible = item.entry;
      return visible;
    },
    async put(request) {
      const previous = history.has(`${request.namespace}/${request.key}`);
      if (!previous) await remember(request.namespace, request.key);
      const result = await inner.put(request);
      await remember(request.namespace, request.key);
      return result;
    },
    async delete(request) {
      const result = await inner.delete(request);
      await remember(request.namespace, request.key);
      return result;
    },
    list: (request) => inner.list(request),
  };
}

/** `inner` with its `get` replaced; every other operation goes straight through. */
export function withGet(inner: RecordStore, get: RecordStore['get'], name = 'wrapped'): RecordStore {
  return {
    kind: 'record',
    name,
    capabilities: inner.capabilities,
    get,
    put: (request) => inner.put(request),
    delete: (request) => inner.delete(request),
    list: (request) => inner.list(request),
  };
}
