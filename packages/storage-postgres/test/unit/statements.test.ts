import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { compile, param, queryBuilder } from '../../src/sql/compile.js';
import { compileStatements } from '../../src/sql/statements.js';
import { objectNames } from '../../src/names.js';

describe('compiled statements', () => {
  const statements = compileStatements(objectNames('tenant_a', 'docs'));

  it('address the configured schema and table only', () => {
    for (const [name, statement] of Object.entries(statements)) {
      if (name === 'serverVersion') continue;
      expect(statement.text, name).toContain('"tenant_a"."docs"');
      expect(statement.text, name).not.toMatch(/"records"/);
    }
    expect(statements.putMany.text).toContain('"tenant_a"."docs_put_many_fail"');
  });

  it('bind named arguments to their positions', () => {
    expect(statements.get.bind({ namespace: 'n', key: 'k' })).toEqual(['n', 'k']);
    expect(statements.putMatch.text).toMatch(/\$1::text::jsonb/);
    expect(statements.putMatch.bind({ namespace: 'n', key: 'k', value: '{}', ttl: null, ifMatch: 'e' })).toEqual(['{}', null, 'n', 'k', 'e']);
    expect(statements.listBounded.bind({ namespace: 'n', prefix: 'p', after: '', upper: 'q', limit: 11 })).toEqual(['n', 'p', 'p', '', 'q', 11]);
    expect(statements.serverVersion.bind({})).toEqual([]);
  });

  it('conditional writes are single statements: no statement reads before it writes', () => {
    expect(statements.putMatch.text).toMatch(/^update .* where .*"?etag"? = \$5::text/);
    expect(statements.putCreate.text).toMatch(/^insert .* on conflict .* do update .* where .*expires_at" <= now\(\)/);
    expect(statements.deleteMatch.text).toMatch(/^delete .* r\.etag = \$3::text/);
  });

  it('compiles with a dialect that never connects', () => {
    expect(queryBuilder('s').introspection).toBeDefined();
  });

  it('refuses a statement with a literal parameter (it could not be bound per call)', () => {
    const db = queryBuilder('s');
    expect(() => compile(db.selectFrom('records').select('key').where('key', '=', 'literal'))).toThrow(/literal parameter "literal"/);
    expect(compile(db.selectFrom('records').select('key').where('key', '=', param<string>('key', 'text'))).text).toContain('$1::text');
    expect(compile({ compile: () => sql`select ${param('a', 'int8')}`.compile(db) }).bind({ a: 5 })).toEqual([5]);
  });
});
