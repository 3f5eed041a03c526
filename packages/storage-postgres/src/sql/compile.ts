import {
  DummyDriver,
  type Generated,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type Compilable,
  type RawBuilder,
} from 'kysely';

/** The table as kysely sees it; the real schema and table names come from the options. */
export interface RecordsTable {
  namespace: string;
  key: string;
  value: unknown;
  version: number;
  etag: string;
  expires_at: Date | null;
  updated_at: Generated<Date>;
}

/** The database as kysely sees it. */
export interface Database {
  records: RecordsTable;
}

/**
 * A statement compiled once: its SQL text and, for each `$n`, which named argument fills it.
 * Executing it is `sql.unsafe(text, bind(args), { prepare: true })`: no query building per call.
 */
export interface Statement<Args extends object, Row = unknown> {
  readonly text: string;
  readonly bind: (args: Args) => unknown[];
  /** Type-only: the row shape the statement returns. */
  readonly row?: Row;
}

// Kysely only compiles here; it never executes, so its driver is the dummy one.
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const MARKER = '\u0000sanctum-param:';

/**
 * A named parameter placeholder with an SQL cast, e.g. `param('value', 'text')` → `$3::text`.
 * Every parameter is cast explicitly so postgres.js serialises each as the text we hand it.
 */
export function param<T = unknown>(name: string, cast: string): RawBuilder<T> {
  return sql<T>`${MARKER + name}::${sql.raw(cast)}`;
}

/** Compiles `query` once and maps its positional parameters back to the names given to `param`. */
export function compile<Args extends object, Row = unknown>(query: Compilable): Statement<Args, Row> {
  const compiled = query.compile();
  const names = compiled.parameters.map((value) => {
    if (typeof value !== 'string' || !value.startsWith(MARKER)) {
      throw new Error(`statement has a literal parameter ${JSON.stringify(value)}; use param() for every value`);
    }
    return value.slice(MARKER.length) as keyof Args;
  });
  return {
    text: compiled.sql,
    bind: (args) => names.map((name) => args[name]),
  };
}

/** The kysely instance for schema `schema`, with the records table reachable as `records`. */
export function queryBuilder(schema: string): Kysely<Database> {
  return compiler.withSchema(schema);
}
