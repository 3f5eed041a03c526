import type { BlobNamespaceConfig, RecordNamespaceConfig, StreamNamespaceConfig } from '../../config/index.js';
import type { BlobStore, MessageHandler, RecordStore, StreamStore } from '../../spi/index.js';
import type { Layer } from '../layer.js';
import { createGate, type Gate } from './gate.js';
import { filterVisible } from './filter.js';

// Deny = ACCESS_DENIED before any I/O: every method checks first and calls `next` only when allowed.
// The sync allow path is one policy call; `then` only when the policy is async.

function after<R>(gate: true | Promise<void>, work: () => Promise<R>): Promise<R> {
  return gate === true ? work() : gate.then(work);
}

type KeyedRequest = Parameters<Gate['check']>[0] & { readonly key: string };
type PrefixRequest = Parameters<Gate['check']>[0] & { readonly prefix?: string | undefined };

/** A checked delete that emits the audit event when something was deleted (records and blobs). */
function auditedDelete<Q extends KeyedRequest>(gate: Gate, type: 'record.deleted' | 'object.deleted', remove: (request: Q) => Promise<boolean>) {
  return (request: Q): Promise<boolean> =>
    after(gate.check(request, 'delete', request.key), async () => {
      const existed = await gate.guard(remove(request), request);
      if (existed) await gate.deleted(type, request, request.key);
      return existed;
    });
}

/** A checked listing whose page keeps only the items the principal may see (records and blobs). */
function visibleListing<Q extends PrefixRequest, P extends { readonly items: readonly { readonly key: string }[] }>(gate: Gate, list: (request: Q) => Promise<P>) {
  return (request: Q): Promise<P> =>
    after(gate.check(request, 'list', undefined, request.prefix ?? ''), async () => {
      const page = await gate.guard(list(request), request);
      if (!gate.enforcing) return page;
      const items = await filterVisible(page.items, (item) => gate.visible(request.principal, 'list', request.namespace, item.key));
      return items === page.items ? page : { ...page, items };
    });
}

/** Access policy, audit events and error scrubbing for record namespaces. */
export const aclRecords: Layer<RecordStore, RecordNamespaceConfig> = (next, ctx) => {
  const gate = createGate(ctx, 'record');
  if (gate === undefined) return undefined;
  const { check, guard } = gate;
  const methods: Partial<RecordStore> = {
    get: (request) => after(check(request, 'read', request.key), () => guard(next.get(request), request)),
    put: (request) => after(check(request, 'write', request.key), () => guard(next.put(request), request, gate.scrubbing ? ctx.runtime.security!.redactor.fieldValues(request.value) : undefined)),
    delete: auditedDelete(gate, 'record.deleted', (request) => next.delete(request)),
    list: visibleListing(gate, (request) => next.list(request)),
  };
  if (next.getMany) {
    const getMany = next.getMany.bind(next);
    methods.getMany = (request) => after(checkAll(request.keys.map((key) => check(request, 'read', key))), () => guard(getMany(request), request));
  }
  if (next.putMany) {
    const putMany = next.putMany.bind(next);
    methods.putMany = (request) => after(checkAll(request.entries.map((entry) => check(request, 'write', entry.key))), () => guard(putMany(request), request));
  }
  if (next.deleteMany) {
    const deleteMany = next.deleteMany.bind(next);
    methods.deleteMany = (request) =>
      after(checkAll(request.keys.map((key) => check(request, 'delete', key))), async () => {
        const count = await guard(deleteMany(request), request);
        // The adapter reports a count, not which keys existed: one event per key asked for.
        if (count > 0) await Promise.all(request.keys.map((key) => gate.deleted('record.deleted', request, key, { batch: request.keys.length, deleted: count })));
        return count;
      });
  }
  return methods;
};

/** Access policy, audit events and error scrubbing for blob namespaces. */
export const aclBlobs: Layer<BlobStore, BlobNamespaceConfig> = (next, ctx) => {
  const gate = createGate(ctx, 'blob');
  if (gate === undefined) return undefined;
  const { check, guard } = gate;
  const methods: Partial<BlobStore> = {
    get: (request) => after(check(request, 'read', request.key), () => guard(next.get(request), request)),
    head: (request) => after(check(request, 'read', request.key), () => guard(next.head(request), request)),
    // A per-call public-read ACL would publish the object past the policy: it needs `admin` too.
    put: (request) =>
      after(checkAll([check(request, 'write', request.key), request.acl === 'public-read' ? check(request, 'admin', request.key) : true]), () =>
        guard(next.put(request), request),
      ),
    delete: auditedDelete(gate, 'object.deleted', (request) => next.delete(request)),
    list: visibleListing(gate, (request) => next.list(request)),
  };
  if (next.presign) {
    const presign = next.presign.bind(next);
    methods.presign = (request) => after(check(request, 'presign', request.key), () => guard(presign(request), request));
  }
  return methods;
};

/**
 * Access policy and error scrubbing for stream namespaces. `publish` checks every message key
 * (`''` for a keyless message); `subscribe` checks `consume` for the namespace, then each message
 * by its key: a message the subscriber may not see is acknowledged without reaching its handler
 * (a group belongs to one principal's view of the stream; docs/security.md).
 */
export const aclStreams: Layer<StreamStore, StreamNamespaceConfig> = (next, ctx) => {
  const gate = createGate(ctx, 'stream');
  if (gate === undefined) return undefined;
  const { check, guard } = gate;
  return {
    publish: (request) =>
      after(checkAll(request.messages.map((message) => check(request, 'publish', message.key ?? ''))), () =>
        guard(next.publish(request), request, request.messages.map((message) => ['key', message.key] as const)),
      ),
    subscribe: (request) =>
      after(check(request, 'consume', undefined), () => {
        if (!gate.enforcing) return guard(next.subscribe(request), request);
        const { handler, principal } = request;
        const filtered: MessageHandler = (message) => {
          const visible = gate.visible(principal, 'consume', message.namespace, message.key ?? '');
          if (visible === true) return handler(message);
          if (visible === false) return Promise.resolve();
          return visible.then((ok) => (ok ? handler(message) : undefined));
        };
        return guard(next.subscribe({ ...request, handler: filtered }), request);
      }),
  };
};

/** All checks of a batch: every key must be allowed, or nothing runs. */
function checkAll(checks: ReadonlyArray<true | Promise<void>>): true | Promise<void> {
  let pending: Array<Promise<void>> | undefined;
  for (const c of checks) if (c !== true) (pending ??= []).push(c);
  if (pending === undefined) return true;
  return Promise.all(pending).then(() => undefined);
}
