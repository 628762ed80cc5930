import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { isValue, ValueShape } from './protocol'
import { errorOf, okResponse, pipeline, sleep, startTestServer, stmt, TOKEN } from './test-support'

describe('Value validation', () => {
  it('the fast guard accepts exactly what the valibot shape accepts', () => {
    const samples: unknown[] = [
      { type: 'null' },
      { type: 'integer', value: '0' },
      { type: 'integer', value: '-9223372036854775808' },
      { type: 'integer', value: '9223372036854775807' },
      { type: 'integer', value: '9223372036854775808' },
      { type: 'integer', value: '1.5' },
      { type: 'integer', value: 1 },
      { type: 'float', value: 1.5 },
      { type: 'float', value: '1.5' },
      { type: 'text', value: '' },
      { type: 'text' },
      { type: 'blob', base64: 'AAE' },
      { type: 'blob', base64: 'AAE=' },
      { type: 'blob', base64: 'A' },
      { type: 'blob', base64: 'A-_' },
      { type: 'blob', value: 'AAE' },
      { type: 'real', value: 1 },
      null,
      'text',
      [],
    ]
    for (const sample of samples)
      expect(isValue(sample), JSON.stringify(sample)).toBe(v.is(ValueShape, sample))
  })
})

describe('HTTP surface', () => {
  it('answers health and the version probes without a token, like sqld', async () => {
    const t = await startTestServer()
    const health = await fetch(`${t.server.url}/health`)
    expect(health.status).toBe(200)
    expect(await health.text()).toBe('')
    for (const probe of ['/v2', '/v3', '/v3-protobuf']) {
      const res = await fetch(`${t.server.url}${probe}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('Hello, this is HTTP API v2 (Hrana over HTTP)')
    }
    expect((await fetch(`${t.server.url}/nope`)).status).toBe(401)
    const notFound = await fetch(`${t.server.url}/nope`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(notFound.status).toBe(404)
    expect(await notFound.json()).toMatchObject({ code: 'NOT_FOUND' })
    const wrongMethod = await fetch(`${t.server.url}/v2/pipeline`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(wrongMethod.status).toBe(405)
  })

  it('rejects malformed bodies with 400 and a Hrana error, and oversized ones with 413', async () => {
    const t = await startTestServer({ maxBodyBytes: 4096 })
    const cases: unknown[] = [
      '{"baton": null, "requests": [',
      { baton: null },
      { baton: null, requests: [{ type: 'frobnicate' }] },
      {
        baton: null,
        requests: [{ type: 'execute', stmt: { sql: 'SELECT ?', args: [{ type: 'integer', value: 1 }] } }],
      },
      {
        baton: null,
        requests: [
          {
            type: 'execute',
            stmt: { sql: 'SELECT ?', args: [{ type: 'integer', value: '9223372036854775808' }] },
          },
        ],
      },
      {
        baton: null,
        requests: [{ type: 'execute', stmt: { sql: 'SELECT ?', args: [{ type: 'blob', base64: '@@@' }] } }],
      },
      { baton: 42, requests: [] },
    ]
    for (const body of cases) {
      const res = await t.post('/v2/pipeline', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(await res.json()).toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.any(String) })
    }
    const big = await t.post('/v2/pipeline', {
      baton: null,
      requests: [stmt(`SELECT '${'x'.repeat(5000)}'`)],
    })
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({ code: 'REQUEST_TOO_LARGE' })
    // still serving afterwards
    const ok = await pipeline(t, [{ type: 'execute', stmt: stmt('SELECT 1') }, { type: 'close' }])
    expect(ok.results[0]?.type).toBe('ok')
  })
})

describe('pipeline', () => {
  it('returns values and results in sqld JSON shapes', async () => {
    const t = await startTestServer()
    const body = await pipeline(t, [
      { type: 'execute', stmt: stmt('CREATE TABLE j (id INTEGER PRIMARY KEY, v)') },
      {
        type: 'execute',
        stmt: stmt('INSERT INTO j (v) VALUES (?), (?)', [
          { type: 'integer', value: '-9223372036854775808' },
          { type: 'blob', base64: 'AAEC/w==' },
        ]),
      },
      { type: 'execute', stmt: stmt("SELECT 1, 1.5, 'a', x'0001', NULL, v FROM j ORDER BY id") },
      { type: 'execute', stmt: { sql: 'SELECT v FROM j', want_rows: false } },
      { type: 'close' },
    ])
    expect(body.baton).toBeNull()
    expect(body.base_url).toBeNull()
    expect(okResponse(body.results[1], 'execute').result).toMatchObject({
      cols: [],
      rows: [],
      affected_row_count: 2,
      last_insert_rowid: '2',
      replication_index: null,
    })
    const select = okResponse(body.results[2], 'execute').result
    expect(select.cols).toEqual([
      { name: '1', decltype: null },
      { name: '1.5', decltype: null },
      { name: "'a'", decltype: null },
      { name: "x'0001'", decltype: null },
      { name: 'NULL', decltype: null },
      { name: 'v', decltype: null },
    ])
    const common = [
      { type: 'integer', value: '1' },
      { type: 'float', value: 1.5 },
      { type: 'text', value: 'a' },
      { type: 'blob', base64: 'AAE' },
      { type: 'null' },
    ]
    expect(select.rows).toEqual([
      [...common, { type: 'integer', value: '-9223372036854775808' }],
      [...common, { type: 'blob', base64: 'AAEC/w' }],
    ])
    expect(select).toMatchObject({ affected_row_count: 0, last_insert_rowid: null, rows_read: 2 })
    expect(okResponse(body.results[3], 'execute').result.rows).toEqual([])
    expect(okResponse(body.results[4], 'close')).toEqual({ type: 'close' })
  })

  it('evaluates batch conditions', async () => {
    const t = await startTestServer()
    const steps = [
      { stmt: stmt('SELECT 1') },
      { stmt: stmt('SELECT * FROM missing') },
      { stmt: stmt('SELECT 2'), condition: { type: 'error', step: 1 } },
      { stmt: stmt('SELECT 3'), condition: { type: 'ok', step: 1 } },
      {
        stmt: stmt('SELECT 4'),
        condition: {
          type: 'and',
          conds: [
            { type: 'ok', step: 0 },
            { type: 'not', cond: { type: 'ok', step: 1 } },
          ],
        },
      },
      {
        stmt: stmt('SELECT 5'),
        condition: {
          type: 'or',
          conds: [
            { type: 'ok', step: 1 },
            { type: 'ok', step: 3 },
          ],
        },
      },
      { stmt: stmt('SELECT 6'), condition: { type: 'is_autocommit' } },
      { stmt: stmt('BEGIN') },
      { stmt: stmt('SELECT 8'), condition: { type: 'is_autocommit' } },
      { stmt: stmt('ROLLBACK'), condition: { type: 'not', cond: { type: 'is_autocommit' } } },
    ]
    const body = await pipeline(t, [{ type: 'batch', batch: { steps } }, { type: 'close' }], { version: 3 })
    const result = okResponse(body.results[0], 'batch').result
    expect(result.step_results.map((r) => r !== null)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      true,
      false,
      true,
    ])
    expect(result.step_errors.map((e) => e?.code ?? null)).toEqual([
      null,
      'SQL_INPUT_ERROR',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ])

    // a condition on a later step, or is_autocommit on v2, is a protocol error
    const forward = await t.post('/v3/pipeline', {
      baton: null,
      requests: [
        { type: 'batch', batch: { steps: [{ stmt: stmt('SELECT 1'), condition: { type: 'ok', step: 0 } }] } },
      ],
    })
    expect(forward.status).toBe(400)
    const v2 = await t.post('/v2/pipeline', {
      baton: null,
      requests: [
        {
          type: 'batch',
          batch: { steps: [{ stmt: stmt('SELECT 1'), condition: { type: 'is_autocommit' } }] },
        },
      ],
    })
    expect(v2.status).toBe(400)
  })

  it('binds arguments like sqld: by SQLite parameter name, rejecting mismatches', async () => {
    const t = await startTestServer()
    const run = (s: object) => pipeline(t, [{ type: 'execute', stmt: s }, { type: 'close' }])
    const int = (value: string) => ({ type: 'integer', value })
    const named = await run({
      sql: 'SELECT :a, @b, $c, :a',
      named_args: [
        { name: 'a', value: int('1') },
        { name: '@b', value: int('2') },
        { name: 'c', value: int('3') },
      ],
    })
    expect(okResponse(named.results[0], 'execute').result.rows).toEqual([
      [int('1'), int('2'), int('3'), int('1')],
    ])
    const numbered = await run({ sql: 'SELECT ?2, ?1, ?', args: [int('1'), int('2'), int('3')] })
    expect(okResponse(numbered.results[0], 'execute').result.rows).toEqual([[int('2'), int('1'), int('3')]])
    for (const [s, code] of [
      [{ sql: 'SELECT :t', named_args: [{ name: '$t', value: int('1') }] }, 'ARGS_INVALID'],
      [{ sql: 'SELECT :a', args: [int('1')] }, 'ARGS_INVALID'],
      [{ sql: 'SELECT ?', named_args: [{ name: 'a', value: int('1') }] }, 'ARGS_INVALID'],
      [
        { sql: 'SELECT ?', args: [int('1')], named_args: [{ name: 'a', value: int('1') }] },
        'ARGS_BOTH_POSITIONAL_AND_NAMED',
      ],
    ] as const) {
      expect(errorOf((await run(s)).results[0]).code).toBe(code)
    }
  })

  it('stores SQL texts per stream and describes statements', async () => {
    const t = await startTestServer()
    const first = await pipeline(t, [
      { type: 'store_sql', sql_id: 1, sql: 'SELECT ?1 AS x, ?5, typeof(?)' },
      {
        type: 'execute',
        stmt: { sql_id: 1, args: [1, 2, 3, 4, 5, 6].map((v) => ({ type: 'float', value: v })) },
      },
      { type: 'describe', sql_id: 1 },
      { type: 'describe', sql: 'INSERT INTO nowhere VALUES (1)' },
      { type: 'describe', sql: 'EXPLAIN QUERY PLAN SELECT :x, @y, :x' },
      { type: 'close_sql', sql_id: 1 },
    ])
    expect(okResponse(first.results[1], 'execute').result.rows).toEqual([
      [
        { type: 'float', value: 1 },
        { type: 'float', value: 5 },
        { type: 'text', value: 'real' },
      ],
    ])
    expect(okResponse(first.results[2], 'describe').result).toEqual({
      params: [
        { name: '?1' },
        { name: null },
        { name: null },
        { name: null },
        { name: '?5' },
        { name: null },
      ],
      cols: [
        { name: 'x', decltype: null },
        { name: '?5', decltype: null },
        { name: 'typeof(?)', decltype: null },
      ],
      is_explain: false,
      is_readonly: true,
    })
    expect(errorOf(first.results[3]).code).toBe('SQL_INPUT_ERROR')
    expect(okResponse(first.results[4], 'describe').result).toMatchObject({
      params: [{ name: ':x' }, { name: '@y' }],
      is_explain: true,
    })
    expect(first.baton).toEqual(expect.any(String))
    // the SQL text was closed: using it is a protocol error, and the failed request drops the stream
    const closed = await t.post('/v2/pipeline', {
      baton: first.baton,
      requests: [{ type: 'execute', stmt: { sql_id: 1 } }],
    })
    expect(closed.status).toBe(400)
    expect(await closed.json()).toMatchObject({ code: 'SQL_NOT_FOUND' })
  })
})

describe('streams and batons', () => {
  it('keeps a connection per baton and rejects reused, forged and closed batons', async () => {
    const t = await startTestServer()
    const begin = await pipeline(t, [
      { type: 'execute', stmt: stmt('CREATE TABLE b (v)') },
      { type: 'execute', stmt: stmt('BEGIN') },
      { type: 'execute', stmt: stmt('INSERT INTO b VALUES (1)') },
    ])
    const baton = begin.baton as string
    expect(baton).toMatch(/^[A-Za-z0-9+/]{64}$/)
    const inside = await pipeline(
      t,
      [{ type: 'get_autocommit' }, { type: 'execute', stmt: stmt('SELECT count(*) FROM b') }],
      {
        baton,
        version: 3,
      },
    )
    expect(okResponse(inside.results[0], 'get_autocommit').is_autocommit).toBe(false)
    expect(okResponse(inside.results[1], 'execute').result.rows).toEqual([[{ type: 'integer', value: '1' }]])
    expect(inside.baton).not.toBe(baton)

    const reused = await t.post('/v3/pipeline', { baton, requests: [] })
    expect(reused.status).toBe(400)
    expect(await reused.json()).toMatchObject({ code: 'BATON_REUSED' })
    const forged = `${(inside.baton as string).slice(0, 20)}${(inside.baton as string)[20] === 'A' ? 'B' : 'A'}${(inside.baton as string).slice(21)}`
    const forgedRes = await t.post('/v3/pipeline', { baton: forged, requests: [] })
    expect(forgedRes.status).toBe(400)
    expect(await forgedRes.json()).toMatchObject({ code: 'BATON_INVALID' })

    // `close` then another request in the same pipeline fails the whole request
    const afterClose = await t.post('/v3/pipeline', {
      baton: inside.baton,
      requests: [{ type: 'close' }, { type: 'execute', stmt: stmt('SELECT 1') }],
    })
    expect(afterClose.status).toBe(400)
    expect(await afterClose.json()).toMatchObject({ code: 'BATON_STREAM_CLOSED' })
    // closing the stream rolled its transaction back
    const after = await pipeline(t, [
      { type: 'execute', stmt: stmt('SELECT count(*) FROM b') },
      { type: 'close' },
    ])
    expect(okResponse(after.results[0], 'execute').result.rows).toEqual([[{ type: 'integer', value: '0' }]])
  })

  it('answers STREAM_EXPIRED for a stream that idled out', async () => {
    const t = await startTestServer({ streamIdleTimeoutMs: 100 })
    const open = await pipeline(t, [{ type: 'execute', stmt: stmt('SELECT 1') }])
    await sleep(300)
    const res = await t.post('/v2/pipeline', { baton: open.baton, requests: [] })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      message: 'The stream has expired due to inactivity',
      code: 'STREAM_EXPIRED',
    })
  })

  it('v2 has no get_autocommit', async () => {
    const t = await startTestServer()
    const res = await t.post('/v2/pipeline', { baton: null, requests: [{ type: 'get_autocommit' }] })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ code: 'NOT_SUPPORTED' })
  })
})
