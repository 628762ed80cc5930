import { describe, expect, it } from 'vitest'
import { describeStatement, splitStatements } from './sql'

describe('splitStatements', () => {
  it('splits on semicolons outside strings, identifiers, comments and trigger bodies', () => {
    const sql = `
      INSERT INTO "a;b" VALUES ('x;y', [c;d], \`e;f\`, x'3b'); -- comment; here
      /* block; comment */ SELECT 1;;
      CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;
      EXPLAIN CREATE TRIGGER u AFTER INSERT ON a BEGIN SELECT 'end;'; END;
      SELECT 'it''s; fine'`
    expect(splitStatements(sql)).toEqual([
      "INSERT INTO \"a;b\" VALUES ('x;y', [c;d], `e;f`, x'3b')",
      'SELECT 1',
      'CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END',
      "EXPLAIN CREATE TRIGGER u AFTER INSERT ON a BEGIN SELECT 'end;'; END",
      "SELECT 'it''s; fine'",
    ])
  })

  it('finds no statement in whitespace and comments', () => {
    expect(splitStatements('  -- only a comment\n /* and another */ ;  ; ')).toEqual([])
  })
})

describe('describeStatement', () => {
  it('numbers parameters like SQLite', () => {
    expect(describeStatement('SELECT ?, :a, ?5, :a, @b, ?, $c::d(e), ?2').params).toEqual({
      count: 8,
      names: [null, ':a', null, null, '?5', '@b', null, '$c::d(e)'],
    })
    expect(describeStatement('SELECT \'?\', "?", [?], ? -- ?').params).toEqual({ count: 1, names: [null] })
  })

  it('classifies statements the way sqld reports results', () => {
    const kind = (sql: string) => {
      const { kind, isIud, isInsert, mayWrite } = describeStatement(sql)
      return { kind, isIud, isInsert, mayWrite }
    }
    expect(kind('insert into t values (1)')).toEqual({
      kind: 'insert',
      isIud: true,
      isInsert: true,
      mayWrite: true,
    })
    expect(kind('REPLACE INTO t VALUES (1)')).toMatchObject({ isInsert: true })
    expect(kind('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toMatchObject({ kind: 'insert' })
    expect(kind('WITH x AS (DELETE FROM t RETURNING 1) SELECT 1')).toMatchObject({
      kind: 'read',
      isIud: false,
    })
    expect(kind('UPDATE t SET a = 1')).toEqual({
      kind: 'update-delete',
      isIud: true,
      isInsert: false,
      mayWrite: true,
    })
    expect(kind('EXPLAIN QUERY PLAN DELETE FROM t')).toMatchObject({ isIud: false, mayWrite: false })
    expect(kind('BEGIN IMMEDIATE')).toMatchObject({ kind: 'begin-write', mayWrite: true })
    expect(kind('BEGIN TRANSACTION READONLY')).toMatchObject({ kind: 'begin', mayWrite: false })
    expect(kind('CREATE INDEX i ON t (a)')).toMatchObject({ kind: 'ddl', mayWrite: true })
    expect(describeStatement('PRAGMA foreign_keys = OFF')).toMatchObject({
      touchesConnection: true,
      mayWrite: true,
    })
    expect(describeStatement('PRAGMA table_info(t)').isReadonly).toBe(true)
    expect(describeStatement('CREATE TEMP TABLE x (a)').touchesConnection).toBe(true)
    expect(describeStatement("ATTACH 'x.db' AS x").touchesConnection).toBe(true)
    expect(describeStatement('SELECT 1').touchesConnection).toBe(false)
  })
})
