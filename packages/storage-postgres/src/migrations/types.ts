/** A migration as written in this package: numbered, forward-only, small. */
export interface MigrationSource {
  /** Position in the history, from 1 without gaps. */
  readonly id: number;
  readonly name: string;
  /**
   * SQL with placeholders for the configured names: `{{schema}}`, `{{table}}`, `{{putManyFail}}`
   * (schema-qualified), `{{expiresIndex}}`, `{{outbox}}` (schema-qualified), `{{outboxPendingIndex}}`,
   * `{{outboxKeyIndex}}` and `{{outboxSentIndex}}`. The checksum covers this text, so it does not
   * depend on the names; editing it after it was applied anywhere is refused.
   */
  readonly sql: string;
}

/** A migration this package knows, as status reports list it. */
export interface MigrationInfo {
  readonly id: number;
  readonly name: string;
  /** SHA-256 (hex) of the migration's SQL template. */
  readonly checksum: string;
}

/** A migration recorded in the database's history table. */
export interface AppliedMigration extends MigrationInfo {
  readonly appliedAt: Date;
}

/** An applied migration whose recorded checksum differs from this package's copy. */
export interface ChangedMigration {
  readonly id: number;
  readonly name: string;
  /** The checksum recorded when it was applied. */
  readonly applied: string;
  /** The checksum of this package's copy. */
  readonly current: string;
}

/** Where a database stands relative to this package's migrations. */
export interface MigrationStatus {
  /** True when every known migration is applied unchanged. */
  readonly current: boolean;
  readonly applied: readonly AppliedMigration[];
  readonly pending: readonly MigrationInfo[];
  /** Applied migrations edited since: refused by `migrateUp` and by `open()`. */
  readonly changed: readonly ChangedMigration[];
  /** Applied migrations this package does not know (a newer version applied them). */
  readonly unknown: readonly AppliedMigration[];
}

/** A pending migration with its rendered SQL. */
export interface PlannedMigration extends MigrationInfo {
  readonly sql: string;
}

/** What `migrateUp` did, or would do when `dryRun` is set. */
export interface MigrationRunResult {
  readonly dryRun: boolean;
  /** Migrations applied by this call (or that would be, on a dry run), in order. */
  readonly migrations: readonly PlannedMigration[];
  /** The whole script: bootstrap, each migration and its history row, as run (or to be run). */
  readonly script: string;
}
