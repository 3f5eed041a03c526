import { sql, type Expression, type RawBuilder } from 'kysely';
import type { ObjectNames } from '../names.js';
import { compile, param, queryBuilder, type Statement } from './compile.js';

/** Arguments naming one record. */
export interface KeyArgs {
  readonly namespace: string;
  readonly key: string;
}
/** Arguments of a write: the value as JSON text and the TTL in milliseconds (null = none). */
export interface PutArgs extends KeyArgs {
  readonly value: string;
  readonly ttl: number | null;
}
export interface MatchPutArgs extends PutArgs {
  readonly ifMatch: string;
}
/** spliceValue: `insert` is base64 text (the bytes travel once, as text postgres.js sends as is). */
export interface SpliceArgs extends KeyArgs {
  readonly ifMatch: string;
  readonly prefix: string;
  readonly deleteCount: number;
  readonly insert: string;
}
export interface MatchDeleteArgs extends KeyArgs {
  readonly ifMatch: string;
}
/** Arguments naming many records; `keys` is a text[] literal. */
export interface KeysArgs {
  readonly namespace: string;
  readonly keys: string;
}
export interface ListArgs {
  readonly namespace: string;
  readonly prefix: string;
  /** The key the page starts after; '' (smaller than every key) for the first page. */
  readonly after: string;
  readonly limit: number;
}
export interface BoundedListArgs extends ListArgs {
  /** Exclusive upper bound of the prefix range. */
  readonly upper: string;
}
/** putMany's entries as parallel text[] literals. */
export interface PutManyArgs {
  readonly namespace: string;
  readonly keys: string;
  readonly values: string;
  readonly ttls: string;
  readonly ifMatches: string;
  readonly createOnly: string;
}
export interface SweepArgs {
  readonly limit: number;
}

/** A record row as the statements return it. */
export interface RecordRow {
  readonly key: string;
  readonly value: unknown;
  readonly version: number;
  readonly etag: string;
  readonly expires_ms: number | null;
}

/** What a write returns. */
export interface WriteRow {
  readonly version: number;
  readonly etag: string;
}
/** What a splice returns: no row when the ETag did not match; null columns when the value was not of the form. */
export interface SpliceRow {
  readonly version: number | null;
  readonly etag: string | null;
}
/** What a delete returns per deleted row: whether it was still live (not expired). */
export interface DeleteRow {
  readonly live: boolean;
}

/** Every statement of the store, compiled once per (schema, table). */
export interface Statements {
  readonly get: Statement<KeyArgs, RecordRow>;
  readonly getMany: Statement<KeysArgs, RecordRow>;
  readonly put: Statement<PutArgs, WriteRow>;
  readonly putCreate: Statement<PutArgs, WriteRow>;
  readonly putMatch: Statement<MatchPutArgs, WriteRow>;
  readonly splice: Statement<SpliceArgs, SpliceRow>;
  readonly delete: Statement<KeyArgs, DeleteRow>;
  readonly deleteMatch: Statement<MatchDeleteArgs, DeleteRow>;
  readonly deleteMany: Statement<KeysArgs, DeleteRow>;
  readonly list: Statement<ListArgs, RecordRow>;
  readonly listBounded: Statement<BoundedListArgs, RecordRow>;
  readonly putMany: Statement<PutManyArgs, WriteRow>;
  readonly sweep: Statement<SweepArgs, { readonly deleted: number }>;
  readonly serverVersion: Statement<object, { readonly version: string }>;
}

const LIVE = sql<boolean>`(r.expires_at is null or r.expires_at > now())`;
const EXPIRES_MS = sql<number | null>`floor(extract(epoch from r.expires_at) * 1000)::float8`;
const NEW_ETAG = sql<string>`gen_random_uuid()::text`;

function expiry(): RawBuilder<Date | null> {
  return sql<Date | null>`now() + ${param<number | null>('ttl', 'float8')} * interval '1 millisecond'`;
}

/** Compiles every statement for `names`. Pure: no I/O, cheap enough to run per store. */
export function compileStatements(names: ObjectNames): Statements {
  const db = queryBuilder(names.schema);
  // kysely knows the table as `records`; the configured name is substituted (validated identifier).
  const T = `${names.table} as r` as 'records as r';
  const row = [sql.ref<string>('r.key').as('key'), 'r.value', 'r.version', 'r.etag', EXPIRES_MS.as('expires_ms')] as const;
  const byKey = <Q extends { where(expression: Expression<boolean>): Q }>(query: Q): Q =>
    query.where(sql<boolean>`r.namespace = ${param('namespace', 'text')} and r.key = ${param('key', 'text')}`);
  // kysely's insertInto takes no alias: the conflict clauses name the target table itself.
  const target = (column: string) => sql.ref(`${names.table}.${column}`);
  // Versions restart at 1 when the row being overwritten had expired (it counts as deleted).
  const nextVersion = sql<number>`case when ${target('expires_at')} <= now() then 1 else ${target('version')} + 1 end`;
  const insert = () =>
    db.insertInto(names.table as 'records').values({
      namespace: param<string>('namespace', 'text'),
      key: param<string>('key', 'text'),
      value: param<unknown>('value', 'text::jsonb'),
      version: sql.lit(1),
      etag: NEW_ETAG,
      expires_at: expiry(),
    });
  const overwrite = {
    value: sql<unknown>`excluded.value`,
    etag: sql<string>`excluded.etag`,
    expires_at: sql<Date | null>`excluded.expires_at`,
    updated_at: sql<Date>`now()`,
  };
  const list = db
    .selectFrom(T)
    .select(row)
    .where(sql<boolean>`r.namespace = ${param('namespace', 'text')}`)
    .where(sql<boolean>`r.key >= ${param('prefix', 'text')} and starts_with(r.key, ${param('prefix', 'text')})`)
    .where(sql<boolean>`r.key > ${param('after', 'text')}`);
  const table = sql.id(names.schema, names.table);

  return {
    get: compile(byKey(db.selectFrom(T).select(row)).where(LIVE)),
    getMany: compile(
      db
        .selectFrom(T)
        .select(row)
        .where(sql<boolean>`r.namespace = ${param('namespace', 'text')} and r.key = any(${param('keys', 'text::text[]')})`)
        .where(LIVE),
    ),
    put: compile(
      insert()
        .onConflict((conflict) => conflict.columns(['namespace', 'key']).doUpdateSet({ ...overwrite, version: nextVersion }))
        .returning(['version', 'etag']),
    ),
    putCreate: compile(
      insert()
        .onConflict((conflict) =>
          conflict
            .columns(['namespace', 'key'])
            .doUpdateSet({ ...overwrite, version: sql.lit(1) })
            .where(sql<boolean>`${target('expires_at')} <= now()`),
        )
        .returning(['version', 'etag']),
    ),
    putMatch: compile(
      byKey(
        db.updateTable(T).set({
          value: param<unknown>('value', 'text::jsonb'),
          version: sql<number>`r.version + 1`,
          etag: NEW_ETAG,
          expires_at: expiry(),
          updated_at: sql<Date>`now()`,
        }),
      )
        .where(sql<boolean>`r.etag = ${param('ifMatch', 'text')}`)
        .where(LIVE)
        .returning(['r.version', 'r.etag']),
    ),
    splice: compile({ compile: () => spliceSql(table).compile(db) }),
    delete: compile(byKey(db.deleteFrom(T)).returning(LIVE.as('live'))),
    deleteMatch: compile(
      byKey(db.deleteFrom(T))
        .where(sql<boolean>`r.etag = ${param('ifMatch', 'text')}`)
        .where(LIVE)
        .returning(LIVE.as('live')),
    ),
    deleteMany: compile(
      db
        .deleteFrom(T)
        .where(sql<boolean>`r.namespace = ${param('namespace', 'text')} and r.key = any(${param('keys', 'text::text[]')})`)
        .returning(LIVE.as('live')),
    ),
    list: compile(list.where(LIVE).orderBy('r.key').limit(param<number>('limit', 'int8'))),
    listBounded: compile(
      list
        .where(sql<boolean>`r.key < ${param('upper', 'text')}`)
        .where(LIVE)
        .orderBy('r.key')
        .limit(param<number>('limit', 'int8')),
    ),
    putMany: compile({ compile: () => putManySql(table, sql.id(names.schema, names.putManyFail)).compile(db) }),
    sweep: compile({
      compile: () =>
        sql`with doomed as (
              select namespace, key from ${table}
              where expires_at <= now()
              limit ${param('limit', 'int8')}
              for update skip locked
            ), deleted as (
              delete from ${table} as r using doomed d
              where r.namespace = d.namespace and r.key = d.key and r.expires_at <= now()
              returning 1
            )
            select count(*)::int8 as deleted from deleted`.compile(db),
    }),
    serverVersion: compile(db.selectNoFrom(sql<string>`current_setting('server_version')`.as('version'))),
  };
}

/**
 * spliceValue in one statement: the row is locked (and its ETag checked against the latest version),
 * the base64 part after `prefix` decoded server-side, its first `deleteCount` bytes replaced, and the
 * result encoded again, so only `insert` travels. encode() breaks base64 lines every 76 characters:
 * translate() removes the line breaks (core reads, and the SPI prescribes, one unbroken line).
 * The TTL (`expires_at`) is left as it is. A row that matches but is not of the form returns one row
 * with null columns; decode() refusing a malformed base64 part raises SQLSTATE 22023 (INVALID_ARGUMENT).
 */
function spliceSql(table: RawBuilder<unknown>): RawBuilder<SpliceRow> {
  // Each argument once (args), so it crosses the wire once.
  return sql<SpliceRow>`with args as (
      select ${param('prefix', 'text')} as prefix, ${param('deleteCount', 'int4')} as delete_count
    ), current as (
      select r.namespace, r.key,
        case when jsonb_typeof(r.value) = 'string' and starts_with(r.value #>> '{}', a.prefix)
          then decode(substr(r.value #>> '{}', length(a.prefix) + 1), 'base64') end as bytes
      from ${table} as r, args a
      where r.namespace = ${param('namespace', 'text')} and r.key = ${param('key', 'text')}
        and r.etag = ${param('ifMatch', 'text')} and (r.expires_at is null or r.expires_at > now())
      for update of r
    ), spliced as (
      update ${table} as r
      set value = to_jsonb(a.prefix || translate(encode(decode(${param('insert', 'text')}, 'base64') || substr(c.bytes, a.delete_count + 1), 'base64'), E'\\n', '')),
          version = r.version + 1, etag = gen_random_uuid()::text, updated_at = now()
      from current c, args a
      where r.namespace = c.namespace and r.key = c.key and octet_length(c.bytes) >= a.delete_count
      returning r.version, r.etag
    )
    select s.version, s.etag from current c left join spliced s on true`;
}

/**
 * putMany in one statement, all or nothing. Existing rows of the batch are locked first, so the
 * ifMatch checks see their latest committed version and nobody changes them before the writes.
 * A key created concurrently after the statement's snapshot makes its ifNoneMatch '*' entry
 * skip the write; the guard then raises (the whole statement, writes included, rolls back).
 * The guard function lives in the schema (migration 002): plain SQL has no RAISE.
 */
function putManySql(table: RawBuilder<unknown>, fail: RawBuilder<unknown>): RawBuilder<WriteRow> {
  return sql<WriteRow>`with input as (
      select i.key, i.value::jsonb as value, i.ttl_ms, i.if_match, i.create_only, i.ord
      from unnest(${param('keys', 'text::text[]')}, ${param('values', 'text::text[]')}, ${param('ttls', 'text::float8[]')},
                  ${param('ifMatches', 'text::text[]')}, ${param('createOnly', 'text::bool[]')})
           with ordinality as i(key, value, ttl_ms, if_match, create_only, ord)
    ), locked as (
      select r.key, r.etag, (r.expires_at is null or r.expires_at > now()) as live
      from ${table} as r
      where r.namespace = ${param('namespace', 'text')} and r.key in (select key from input)
      for update
    ), plan as (
      select i.*, case
          when i.create_only and l.live then 'ALREADY_EXISTS'
          when i.if_match is not null and (l.live is not true or l.etag <> i.if_match) then 'PRECONDITION_FAILED'
        end as failure
      from input i left join locked l on l.key = i.key
    ), created as (
      insert into ${table} as r (namespace, key, value, version, etag, expires_at)
      select ${param('namespace', 'text')}, key, value, 1, gen_random_uuid()::text, now() + ttl_ms * interval '1 millisecond'
      from plan where failure is null and create_only
      on conflict (namespace, key) do update
        set value = excluded.value, version = 1, etag = excluded.etag, expires_at = excluded.expires_at, updated_at = now()
        where r.expires_at <= now()
      returning r.key, r.version, r.etag
    ), written as (
      insert into ${table} as r (namespace, key, value, version, etag, expires_at)
      select ${param('namespace', 'text')}, key, value, 1, gen_random_uuid()::text, now() + ttl_ms * interval '1 millisecond'
      from plan where failure is null and not create_only
      on conflict (namespace, key) do update
        set value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at, updated_at = now(),
            version = case when r.expires_at <= now() then 1 else r.version + 1 end
      returning r.key, r.version, r.etag
    ), outcome as (
      select p.ord, w.version, w.etag, coalesce(p.failure, case when w.key is null then 'ALREADY_EXISTS' end) as failure
      from plan p left join (select * from created union all select * from written) w on w.key = p.key
    )
    select o.ord, o.version, o.etag,
      (select ${fail}(f.failure, f.ord) from (select failure, ord from outcome where failure is not null order by ord limit 1) f) as guard
    from outcome o
    order by o.ord`;
}
