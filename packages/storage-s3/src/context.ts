import type { Logger } from '@sanctum/storage-core/spi';
import type { S3Connection } from './client.js';
import type { ErrorContext } from './errors.js';
import type { Layout, NamespaceLocation } from './layout.js';
import type { CopySettings } from './multipart/copy.js';
import type { Leftovers } from './multipart/leftovers.js';
import type { PartSettings } from './multipart/session.js';

/** What the store's operations share: the connection, the namespace layout and the tuning. */
export interface StoreContext {
  readonly connection: S3Connection;
  readonly layout: Layout;
  readonly parts: PartSettings;
  readonly copy: CopySettings;
  readonly multipartThreshold: number;
  /** The configured `prefix` option. */
  readonly prefix: string;
  readonly logger: Logger;
  /** Cleanup (aborts, staging deletes) that could not reach the server, retried in the background. */
  readonly leftovers: Leftovers;
  /** Resolves once `location`'s bucket is known to exist (creating it when configured to). */
  ensureBucket(location: NamespaceLocation, context: ErrorContext): Promise<void>;
}
