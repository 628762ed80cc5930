import { type Client, LibsqlBatchError, LibsqlError, type ResultSet } from '@libsql/client'
import { createClient as createWebClient } from '@libsql/client/web'
import { describe, expect, it, onTestFinished } from 'vitest'
import { sleep, startTestServer, TOKEN } from './test-support'

/** Rows as plain arrays (the client's Row is an object with indices and column names). */
const rowsOf = (rs: ResultSet) => rs.rows.map((row) => Array.from({ length: row.length }, (_, i) => row[i]))
const count = async (db: Client, table: string) =>
  Number((await db.execute(`SELECT count(*) FROM ${table}`)).rows[0]?.[0])

describe('execute', () => {
  it('round-trips every value type with positional and named arguments', async () => {
    const t = await startTestServer()
    const db = t.client({ intMode: 'bigint' })
    await db.execute('CREATE TABLE v (i INTEGER, f REAL, t TEXT, b BLOB, n)')
    const max = 9223372036854775807n
    const min = -9223372036854775808n
    const blob = new Uint8Array([0, 1, 2, 127, 128, 253, 254, 255])

    const first = await db.execute({
      sql: 'INSERT INTO v VALUES (?, ?, ?, ?, ?)',
      args: [max, 1.5, 'héllo ✓ "quoted"', blob, null],
    })
    expect(first.rowsAffected).toBe(1)
    expect(first.lastInsertRowid).toBe(1n)
    await db.execute({
      sql: 'INSERT INTO v VALUES (:i, @f, $t, :b, :n)',
      args: { i: min, f: -0.25, t: '', b: new Uint8Array(), n: null },
    })
    await db.execute({ sql: 'INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?1)', args: [42n, 1e300, 'x', blob] })
    await db.execute({ sql: 'INSERT INTO v (i, t) VALUES (:i, :t)', args: { ':i': 7n, ':t': 'prefixed' } })

    const rs = await db.execute(
      'SELECT i, f, t, b, n, typeof(i), typeof(f), typeof(b), typeof(n) FROM v ORDER BY rowid',
    )
    expect(rs.columns).toEqual(['i', 'f', 't', 'b', 'n', 'typeof(i)', 'typeof(f)', 'typeof(b)', 'typeof(n)'])
    expect(rs.columnTypes).toEqual(['INTEGER', 'REAL', 'TEXT', 'BLOB', '', '', '', '', ''])
    const rows = rowsOf(rs).map((row) =>
      row.map((x) => (x instanceof ArrayBuffer ? [...new Uint8Array(x)] : x)),
    )
    expect(rows).toEqual([
      [max, 1.5, 'héllo ✓ "quoted"', [...blob], null, 'integer', 'real', 'blob', 'null'],
      [min, -0.25, '', [], null, 'integer', 'real', 'blob', 'null'],
      [42n, 1e300, 'x', [...blob], 42n, 'integer', 'real', 'blob', 'integer'],
      [7n, null, 'prefixed', null, null, 'integer', 'null', 'null', 'null'],
    ])
    expect(rs.rowsAffected).toBe(0)
    expect(rs.lastInsertRowid).toBeUndefined()
  })

  it('binds JavaScript numbers as REAL and integers only from bigint, like sqld', async () => {
    const t = await startTestServer()
    const db = t.client({ intMode: 'number' })
    const rs = await db.execute({ sql: 'SELECT typeof(?), typeof(?), ? + 0', args: [1, 2n, 2.5] })
    expect(rowsOf(rs)).toEqual([['real', 'integer', 2.5]])
  })

  it('reports affected rows for UPDATE/DELETE and RETURNING rows', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.execute('CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT)')
    await db.batch([
      "INSERT INTO k (v) VALUES ('a')",
      "INSERT INTO k (v) VALUES ('b')",
      "INSERT INTO k (v) VALUES ('c')",
    ])
    expect((await db.execute("UPDATE k SET v = v || '!' WHERE id > 1")).rowsAffected).toBe(2)
    const returning = await db.execute("INSERT INTO k (v) VALUES ('d') RETURNING id, v")
    expect(rowsOf(returning)).toEqual([[4, 'd']])
    expect(returning.rowsAffected).toBe(1)
    expect(returning.lastInsertRowid).toBe(4n)
    expect((await db.execute('DELETE FROM k WHERE id IN (1, 2)')).rowsAffected).toBe(2)
  })

  it('surfaces SQL errors as LibsqlError with sqld codes', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.execute('CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)')
    await db.execute("INSERT INTO u (email) VALUES ('a@x')")

    const syntax = await db.execute('SELEC 1').catch((e: unknown) => e)
    expect(syntax).toBeInstanceOf(LibsqlError)
    expect(syntax).toMatchObject({ code: 'SQL_PARSE_ERROR' })
    expect((syntax as Error).message).toContain('syntax error')

    const unique = await db.execute("INSERT INTO u (email) VALUES ('a@x')").catch((e: unknown) => e)
    expect(unique).toBeInstanceOf(LibsqlError)
    expect(unique).toMatchObject({ code: 'SQLITE_CONSTRAINT' })
    expect((unique as Error).message).toContain('UNIQUE constraint failed: u.email')

    const notNull = await db.execute('INSERT INTO u (email) VALUES (NULL)').catch((e: unknown) => e)
    expect(notNull).toMatchObject({ code: 'SQLITE_CONSTRAINT' })
    await expect(db.execute('SELECT * FROM nowhere')).rejects.toMatchObject({ code: 'SQL_INPUT_ERROR' })
    await expect(db.execute({ sql: 'SELECT ?, ?', args: [1] })).rejects.toMatchObject({
      code: 'ARGS_INVALID',
    })
    await expect(db.execute({ sql: 'SELECT ?', args: [1, 2] })).rejects.toMatchObject({
      code: 'ARGS_INVALID',
    })
    await expect(db.execute('SELECT 1; SELECT 2')).rejects.toMatchObject({ code: 'SQL_MANY_STATEMENTS' })
    await expect(db.execute('  -- nothing')).rejects.toMatchObject({ code: 'SQL_NO_STATEMENT' })
    expect(await count(db, 'u')).toBe(1)
  })

  it('enforces foreign keys by default, as sqld does', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.batch([
      'CREATE TABLE p (id INTEGER PRIMARY KEY)',
      'CREATE TABLE c (pid INTEGER REFERENCES p(id))',
    ])
    await expect(db.execute('INSERT INTO c VALUES (1)')).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' })
  })
})

describe('batch', () => {
  for (const mode of ['write', 'deferred'] as const) {
    it(`runs a ${mode} batch all-or-nothing`, async () => {
      const t = await startTestServer()
      const db = t.client()
      await db.execute('CREATE TABLE acc (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)')
      const ok = await db.batch(
        [
          { sql: 'INSERT INTO acc (name) VALUES (?)', args: ['a'] },
          { sql: 'INSERT INTO acc (name) VALUES (?)', args: ['b'] },
          'SELECT name FROM acc ORDER BY id',
        ],
        mode,
      )
      expect(ok.map((r) => r.rowsAffected)).toEqual([1, 1, 0])
      expect(ok.map((r) => r.lastInsertRowid)).toEqual([1n, 2n, undefined])
      expect(rowsOf(ok[2] as ResultSet)).toEqual([['a'], ['b']])

      const failed = await db
        .batch(
          [
            { sql: 'INSERT INTO acc (name) VALUES (?)', args: ['c'] },
            { sql: 'INSERT INTO acc (name) VALUES (?)', args: ['a'] },
            { sql: 'INSERT INTO acc (name) VALUES (?)', args: ['d'] },
          ],
          mode,
        )
        .catch((e: unknown) => e)
      expect(failed).toBeInstanceOf(LibsqlBatchError)
      expect(failed).toMatchObject({ code: 'SQLITE_CONSTRAINT', statementIndex: 1 })
      expect(rowsOf(await db.execute('SELECT name FROM acc ORDER BY id'))).toEqual([['a'], ['b']])
    })
  }

  it('runs a read batch and rejects a batch with a syntax error before running any of it', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.batch(['CREATE TABLE r (x)', 'INSERT INTO r VALUES (1), (2)'], 'write')
    const read = await db.batch(['SELECT sum(x) FROM r', 'SELECT count(*) FROM r'], 'read')
    expect(read.map((rs) => rowsOf(rs)[0])).toEqual([[3], [2]])
    // sqld parses every statement first: a typo in step 2 means step 1 never runs
    await expect(
      db.batch(['INSERT INTO r VALUES (3)', 'INSRT INTO r VALUES (4)'], 'write'),
    ).rejects.toMatchObject({
      code: 'SQL_PARSE_ERROR',
    })
    expect(await count(db, 'r')).toBe(2)
  })

  it('stores repeated SQL once per stream (store_sql) across a large batch', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.execute('CREATE TABLE e (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT)')
    const stmts = Array.from({ length: 500 }, (_, i) => ({
      sql: 'INSERT INTO e (kind, payload) VALUES (?, ?)',
      args: [`k${i % 7}`, JSON.stringify({ i })],
    }))
    const results = await db.batch(stmts, 'write')
    expect(results).toHaveLength(500)
    expect(results[499]?.lastInsertRowid).toBe(500n)
    expect(await count(db, 'e')).toBe(500)
  })
})

describe('executeMultiple', () => {
  it('runs statements in order and stops at the first error', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.executeMultiple(`
      CREATE TABLE m (x INTEGER);
      -- a comment; with a semicolon
      INSERT INTO m VALUES (1);
      CREATE TRIGGER m_double AFTER INSERT ON m WHEN new.x < 100 BEGIN
        INSERT INTO m VALUES (new.x * 100);
      END;
      INSERT INTO m VALUES (2)
    `)
    expect(rowsOf(await db.execute('SELECT x FROM m ORDER BY x'))).toEqual([[1], [2], [200]])
    await expect(
      db.executeMultiple(
        'INSERT INTO m VALUES (3); INSERT INTO nowhere VALUES (1); INSERT INTO m VALUES (4);',
      ),
    ).rejects.toMatchObject({ code: 'SQL_INPUT_ERROR' })
    await expect(
      db.executeMultiple('INSERT INTO m VALUES (5); INSRT INTO m VALUES (6);'),
    ).rejects.toMatchObject({
      code: 'SQL_PARSE_ERROR',
    })
    expect(rowsOf(await db.execute('SELECT x FROM m WHERE x < 100 ORDER BY x'))).toEqual([[1], [2], [3]])
  })
})

describe('interactive transactions', () => {
  it('commits and rolls back', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.execute('CREATE TABLE tx (v TEXT)')

    const tx = await db.transaction('write')
    await tx.execute("INSERT INTO tx VALUES ('kept')")
    await tx.batch(["INSERT INTO tx VALUES ('kept too')"])
    expect(rowsOf(await tx.execute('SELECT count(*) FROM tx'))).toEqual([[2]])
    expect(await count(db, 'tx')).toBe(0) // not visible outside before commit
    await tx.commit()
    expect(await count(db, 'tx')).toBe(2)

    const undone = await db.transaction('write')
    await undone.execute("INSERT INTO tx VALUES ('undone')")
    await undone.rollback()
    const closed = await db.transaction('deferred')
    await closed.execute("INSERT INTO tx VALUES ('abandoned')")
    closed.close()
    await sleep(50)
    expect(rowsOf(await db.execute('SELECT v FROM tx ORDER BY rowid'))).toEqual([['kept'], ['kept too']])
  })

  it('queues a second write transaction behind the first, as sqld does', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.execute('CREATE TABLE q (id INTEGER PRIMARY KEY, v TEXT)')
    const tx1 = await db.transaction('write')
    await tx1.execute("INSERT INTO q (v) VALUES ('first')")

    const tx2 = await db.transaction('write')
    let tx2Inserted = false
    const second = tx2.execute("INSERT INTO q (v) VALUES ('second')").then((rs) => {
      tx2Inserted = true
      return rs
    })
    await sleep(200)
    expect(tx2Inserted).toBe(false) // waiting for the write lock, not failing with SQLITE_BUSY
    await tx1.commit()
    expect((await second).lastInsertRowid).toBe(2n)
    expect(rowsOf(await tx2.execute('SELECT v FROM q ORDER BY id'))).toEqual([['first'], ['second']])
    await tx2.commit()
    expect(await count(db, 'q')).toBe(2)
  })

  it('lets a waiting writer take over a write transaction past its timeout (TRANSACTION_TIMEOUT)', async () => {
    const lines: Record<string, unknown>[] = []
    const t = await startTestServer({ txnTimeoutMs: 300, log: (line) => lines.push(line) })
    const db = t.client()
    await db.execute('CREATE TABLE s (v TEXT)')
    const slow = await db.transaction('write')
    await slow.execute("INSERT INTO s VALUES ('slow')")
    const started = Date.now()
    const fast = await db.transaction('write')
    await fast.execute("INSERT INTO s VALUES ('fast')")
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    await fast.commit()
    await expect(slow.commit()).rejects.toMatchObject({ code: 'TRANSACTION_TIMEOUT' })
    expect(rowsOf(await db.execute('SELECT v FROM s'))).toEqual([['fast']])
    expect(lines.some((l) => l.level === 'warn' && String(l.msg).includes('timed out'))).toBe(true)
  })

  it('expires an idle stream and rolls its transaction back (STREAM_EXPIRED)', async () => {
    const t = await startTestServer({ streamIdleTimeoutMs: 150 })
    const db = t.client()
    await db.execute('CREATE TABLE x (v TEXT)')
    const tx = await db.transaction('write')
    await tx.execute("INSERT INTO x VALUES ('lost')")
    await sleep(400)
    await expect(tx.commit()).rejects.toMatchObject({ code: 'STREAM_EXPIRED' })
    expect(await count(db, 'x')).toBe(0)
    // the write lock was released with the stream
    await db.execute("INSERT INTO x VALUES ('next')")
    expect(await count(db, 'x')).toBe(1)
  })
})

describe('auth', () => {
  it('rejects a missing or wrong token with 401 and changes nothing', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.execute('CREATE TABLE a (v)')
    for (const authToken of ['wrong-token', undefined]) {
      const intruder = t.client({ authToken })
      const error = await intruder.execute('INSERT INTO a VALUES (1)').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(LibsqlError)
      expect(error).toMatchObject({ code: 'SERVER_ERROR' })
      expect((error as Error).message).toContain('401')
    }
    const raw = await fetch(`${t.server.url}/v2/pipeline`, {
      method: 'POST',
      body: JSON.stringify({ baton: null, requests: [{ type: 'execute', stmt: { sql: 'DROP TABLE a' } }] }),
    })
    expect(raw.status).toBe(401)
    expect(raw.headers.get('content-type')).toBe('application/json')
    expect(await count(db, 'a')).toBe(0)
  })
})

describe('persistence', () => {
  it('keeps committed data across a restart on the same file', async () => {
    const t = await startTestServer()
    const db = t.client()
    await db.batch(['CREATE TABLE p (v TEXT)', "INSERT INTO p VALUES ('durable')"], 'write')
    db.close()
    await t.server.close()
    const again = await t.restart()
    expect(rowsOf(await again.client().execute('SELECT v FROM p'))).toEqual([['durable']])
  })
})

describe('@libsql/client/web', () => {
  it('works through the web entry used in workerd', async () => {
    const t = await startTestServer()
    const db = createWebClient({ url: t.server.url, authToken: TOKEN, intMode: 'bigint' })
    onTestFinished(() => db.close())
    await db.batch(
      ['CREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT)', "INSERT INTO w (v) VALUES ('web')"],
      'write',
    )
    const tx = await db.transaction('write')
    await tx.execute({ sql: 'INSERT INTO w (v) VALUES (?)', args: ['tx'] })
    await tx.commit()
    const rs = await db.execute('SELECT id, v FROM w ORDER BY id')
    expect(rowsOf(rs)).toEqual([
      [1n, 'web'],
      [2n, 'tx'],
    ])
  })
})
