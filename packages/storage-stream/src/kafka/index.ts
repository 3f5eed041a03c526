// Public surface of @sanctum/storage-stream/kafka. Everything exported is listed here by name.
import type { AdapterFactory, StreamStore } from '@sanctum/storage-core/spi';
import { KAFKA_ADAPTER } from './errors.js';
import { kafkaStreamOptionsSchema, type KafkaStreamStoreOptions } from './options.js';
import { createKafkaStreamStore } from './stream-store.js';

export { createKafkaStreamStore } from './stream-store.js';
export { kafkaGroupId } from './subscription.js';
export type { KafkaStreamStoreOptions, KafkaSaslOptions } from './options.js';

/**
 * The `use: 'kafka'` adapter factory for `createStorageClient`:
 * `adapters: { events: { use: 'kafka', options: { brokers: ['broker:9092'] } } }` with `runtime.adapters: [kafkaStreams()]`.
 */
export function kafkaStreams(): AdapterFactory<StreamStore, KafkaStreamStoreOptions> {
  return {
    kind: 'stream',
    name: KAFKA_ADAPTER,
    optionsSchema: kafkaStreamOptionsSchema,
    create: (options, context) => createKafkaStreamStore(options, context),
  };
}
