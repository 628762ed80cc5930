import { BatchCond, openHttp } from '@libsql/hrana-client'
import { describe, expect, it, onTestFinished } from 'vitest'
import { okResponse, pipeline, startTestServer, stmt, TOKEN } from './test-support'

describe('v3 cursor (JSON)', () => {
  it('streams a batch as newline-delimited JSON entries', async () => {
    const t = await startTestServer()
    const res = await t.post('/v3/cursor', {
      baton: null,
      batch: {
        steps: [
          { stmt: stmt('CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)') },
          { stmt: stmt("INSERT INTO c (v) VALUES ('a'), ('b')") },
          { stmt: stmt('SELECT id, v FROM c ORDER BY id') },
          { stmt: stmt("INSERT INTO c (id, v) VALUES (1, 'dup')") },
          { stmt: stmt('SELECT 1'), condition: { type: 'ok', step: 3 } },
        ],
      },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain')
    const lines = (await res.text()).split('\n')
    expect(lines.at(-1)).toBe('')
    const [head, ...entries] = lines.slice(0, -1).map((line) => JSON.parse(line))
    expect(head).toEqual({ baton: expect.stringMatching(/^[A-Za-z0-9+/]{64}$/), base_url: null })
    expect(entries).toEqual([
      { type: 'step_begin', step: 0, cols: [] },
      { type: 'step_end', affected_row_count: 0, last_insert_rowid: null },
      { type: 'step_begin', step: 1, cols: [] },
      { type: 'step_end', affected_row_count: 2, last_insert_rowid: '2' },
      {
        type: 'step_begin',
        step: 2,
        cols: [
          { name: 'id', decltype: 'INTEGER' },
          { name: 'v', decltype: 'TEXT' },
        ],
      },
      {
        type: 'row',
        row: [
          { type: 'integer', value: '1' },
          { type: 'text', value: 'a' },
        ],
      },
      {
        type: 'row',
        row: [
          { type: 'integer', value: '2' },
          { type: 'text', value: 'b' },
        ],
      },
      { type: 'step_end', affected_row_count: 0, last_insert_rowid: null },
      {
        type: 'step_error',
        step: 3,
        error: { code: 'SQLITE_CONSTRAINT', message: expect.stringContaining('UNIQUE constraint failed') },
      },
    ])
    // the baton from the head line continues the stream
    const next = await pipeline(
      t,
      [{ type: 'execute', stmt: stmt('SELECT count(*) FROM c') }, { type: 'close' }],
      {
        baton: head.baton,
        version: 3,
      },
    )
    expect(okResponse(next.results[0], 'execute').result.rows).toEqual([[{ type: 'integer', value: '2' }]])
  })
})

describe('v3 protobuf through @libsql/hrana-client', () => {
  it('negotiates v3-protobuf and runs statements, cursor batches and autocommit checks', async () => {
    const t = await startTestServer()
    const client = openHttp(t.server.url, TOKEN, undefined, undefined, 3)
    onTestFinished(() => client.close())
    expect(await client.getVersion()).toBe(3)
    const stream = client.openStream()
    stream.intMode = 'bigint'
    await stream.run('CREATE TABLE pb (i INTEGER, f REAL, t TEXT, b BLOB, n)')
    const inserted = await stream.run([
      'INSERT INTO pb VALUES (?, ?, ?, ?, ?)',
      [-9223372036854775808n, -2.5, 'ünïcode', new Uint8Array([0, 255, 7]), null],
    ])
    expect(inserted.affectedRowCount).toBe(1)
    expect(inserted.lastInsertRowid).toBe(1n)
    const rows = await stream.query('SELECT i, f, t, b, n FROM pb')
    expect(rows.columnNames).toEqual(['i', 'f', 't', 'b', 'n'])
    expect(rows.columnDecltypes).toEqual(['INTEGER', 'REAL', 'TEXT', 'BLOB', undefined])
    const row = rows.rows[0]
    expect([row?.[0], row?.[1], row?.[2], [...new Uint8Array(row?.[3] as ArrayBuffer)], row?.[4]]).toEqual([
      -9223372036854775808n,
      -2.5,
      'ünïcode',
      [0, 255, 7],
      null,
    ])

    expect(await stream.getAutocommit()).toBe(true)
    const batch = stream.batch(true) // through /v3-protobuf/cursor
    const begin = batch.step()
    const beginDone = begin.run('BEGIN')
    const insert = batch.step().condition(BatchCond.ok(begin))
    const insertDone = insert.run("INSERT INTO pb (t) VALUES ('in batch')")
    const count = batch
      .step()
      .condition(BatchCond.not(BatchCond.isAutocommit(batch)))
      .queryValue('SELECT count(*) FROM pb')
    const failingStep = batch.step()
    const failing = failingStep.run('SELECT * FROM missing')
    const skipped = batch.step().condition(BatchCond.ok(failingStep)).queryValue('SELECT 1')
    await batch.execute()
    await beginDone
    expect((await insertDone)?.affectedRowCount).toBe(1)
    expect((await count)?.value).toBe(2n)
    await expect(failing).rejects.toMatchObject({ code: 'SQL_INPUT_ERROR' })
    expect(await skipped).toBeUndefined()
    expect(await stream.getAutocommit()).toBe(false)
    await stream.run('ROLLBACK')

    const described = await stream.describe('SELECT t FROM pb WHERE i = :i')
    expect(described.paramNames).toEqual([':i'])
    expect(described.columns).toEqual([{ name: 't', decltype: 'TEXT' }])
    expect(described.isReadonly).toBe(true)
    await stream.sequence('INSERT INTO pb (t) VALUES (1); INSERT INTO pb (t) VALUES (2);')
    expect((await stream.queryValue('SELECT count(*) FROM pb')).value).toBe(3n)
    await expect(stream.run('INSERT INTO pb VALUES (1, 2, 3, 4, 5, 6)')).rejects.toMatchObject({
      code: 'SQL_INPUT_ERROR',
    })
    stream.close()
  })
})
