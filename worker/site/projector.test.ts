import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { LoggedEvent } from '../../schema/events'
import { openProjections } from '../projections/database'
import { Projector, type ProjectorSource } from './projector'

const siteId = () => crypto.randomUUID()

const events = (n: number): LoggedEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    specversion: '1.0',
    id: `e${i + 1}`,
    source: '/test',
    type: 'com.example.test',
    time: '2026-01-01T00:00:00.000Z',
    seq: i + 1,
  }))

const sourceOf = (id: string, log: LoggedEvent[], retries: number[]): ProjectorSource => ({
  site: () => ({ siteId: id, tenantId: '01J00000000000000000TENANT' }),
  head: () => log.length,
  read: (after, limit) => log.filter((e) => e.seq > after).slice(0, limit),
  retryAt: (at) => retries.push(at),
})

describe('projector', () => {
  it('pushes the log in batches with the cursor, and a replay changes nothing', async () => {
    const id = siteId()
    const log = events(2500)
    const db = openProjections(env)
    const projector = new Projector(db, sourceOf(id, log, []))
    await projector.catchUp()
    expect(projector.status).toMatchObject({ projectedSeq: 2500, state: 'idle', failures: 0 })
    const count = async () =>
      (await db.query.siteEvents.findMany({ where: (t, { eq }) => eq(t.siteId, id) })).length
    expect(await count()).toBe(2500)
    expect(
      (await db.query.projectionCursors.findFirst({ where: (t, { eq }) => eq(t.siteId, id) }))?.seq,
    ).toBe(2500)

    const fresh = new Projector(db, sourceOf(id, log, []))
    await fresh.catchUp()
    expect(fresh.status.projectedSeq).toBe(2500)
    expect(await count()).toBe(2500)
  })

  it('backs off when libSQL is unreachable and catches up once it is back', async () => {
    const id = siteId()
    const log = events(10)
    const retries: number[] = []
    const down = new Projector(
      openProjections({ LIBSQL_URL: 'http://127.0.0.1:9', LIBSQL_AUTH_TOKEN: 'x' }),
      sourceOf(id, log, retries),
    )
    const before = Date.now()
    await down.catchUp()
    await down.catchUp()
    expect(down.status).toMatchObject({ state: 'retrying', failures: 2, projectedSeq: null })
    expect(down.status.lastError).toBeTruthy()
    expect(retries).toHaveLength(2)
    expect((retries[0] ?? 0) - before).toBeGreaterThanOrEqual(500)
    expect((retries[1] ?? 0) - before).toBeGreaterThanOrEqual(1000)

    const up = new Projector(openProjections(env), sourceOf(id, log, retries))
    await up.catchUp()
    expect(up.status).toMatchObject({ state: 'idle', projectedSeq: 10, failures: 0, lastError: null })
  })
})
