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

const sourceOf = (
  id: string,
  log: LoggedEvent[],
  retries: number[],
  quarantine = new Map<number, string>(),
): ProjectorSource => ({
  site: () => ({ siteId: id, tenantId: '01J00000000000000000TENANT' }),
  head: () => log.length,
  read: (after, limit) => log.filter((e) => e.seq > after).slice(0, limit),
  retryAt: (at) => retries.push(at),
  quarantined: () => new Set(quarantine.keys()),
  quarantine: (set) => {
    for (const { seq, error } of set) quarantine.set(seq, error)
  },
  release: (seqs) => {
    for (const seq of seqs) quarantine.delete(seq)
  },
})

const indexed = async (db: ReturnType<typeof openProjections>, id: string) =>
  (await db.query.siteEvents.findMany({ where: (t, { eq }) => eq(t.siteId, id) })).map((row) => row.seq)

const AGENT = '01J00000000000000000AGENT0'
const enrolled: LoggedEvent = {
  specversion: '1.0',
  id: 'enrolled',
  source: '/sites/x',
  type: 'io.sitewire.agent.enrolled',
  time: '2026-01-01T00:00:00.000Z',
  data: {
    agent_id: AGENT,
    token_id: '01J00000000000000000T0KEN0',
    public_key: 'A'.repeat(43),
    hostname: 'web-1',
    labels: {},
    status: 'approved',
  },
  seq: 1,
}

/** A removed fact whose name makes a JSON path libSQL refuses: the statement builds, and libSQL says no. */
const refusedByLibsql = (seq: number): LoggedEvent => ({
  specversion: '1.0',
  id: `facts-${seq}`,
  source: '/sites/x/agents/y',
  type: 'io.sitewire.agent.facts_reported',
  time: '2026-01-01T00:00:00.000Z',
  data: { agent_id: AGENT, changed: {}, removed: ['bad\u0000name'] },
  seq,
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

  it('sets aside an event it cannot build statements for, and projects every event after it', async () => {
    const id = siteId()
    const log = events(1201)
    log[200] = { ...log[200], time: 'not a time' } as LoggedEvent
    const quarantine = new Map<number, string>()
    const db = openProjections(env)
    const projector = new Projector(db, sourceOf(id, log, [], quarantine))
    await projector.catchUp()
    expect(projector.status).toMatchObject({ projectedSeq: 1201, state: 'idle', failures: 0 })
    expect([...quarantine.keys()]).toEqual([201])
    expect(quarantine.get(201)).toMatch(/Invalid time value/)
    const seqs = await indexed(db, id)
    expect(seqs).toHaveLength(1200)
    expect(seqs).not.toContain(201)
  })

  it('narrows a batch libSQL refuses down to the one event, sets it aside, and goes on', async () => {
    const id = siteId()
    const log = events(1500)
    log[0] = enrolled
    log[699] = refusedByLibsql(700)
    const quarantine = new Map<number, string>()
    const db = openProjections(env)
    const projector = new Projector(db, sourceOf(id, log, [], quarantine))
    await projector.catchUp()
    expect(projector.status).toMatchObject({ projectedSeq: 1500, state: 'idle', failures: 0 })
    expect([...quarantine.keys()]).toEqual([700])
    expect(quarantine.get(700)).toMatch(/JSON/)
    const seqs = await indexed(db, id)
    expect(seqs).toHaveLength(1499)
    expect(seqs).not.toContain(700)

    // Once the event can be applied (here: the log holds a fixed copy), a retry releases it.
    log[699] = { ...events(700)[699], seq: 700 } as LoggedEvent
    expect(await projector.retryQuarantined()).toEqual({ released: [700], stillQuarantined: [] })
    expect(quarantine.size).toBe(0)
    expect(await indexed(db, id)).toContain(700)
  })

  it('keeps a retried event that still fails in quarantine, with its error', async () => {
    const id = siteId()
    const log = [enrolled, ...events(3).slice(1), refusedByLibsql(4)]
    const quarantine = new Map<number, string>()
    const projector = new Projector(openProjections(env), sourceOf(id, log, [], quarantine))
    await projector.catchUp()
    const retried = await projector.retryQuarantined()
    expect(retried.released).toEqual([])
    expect(retried.stillQuarantined).toEqual([{ seq: 4, error: expect.stringMatching(/JSON/) }])
    expect([...quarantine.keys()]).toEqual([4])
  })

  it('quarantines nothing while libSQL is down: it is libSQL that fails, not the events', async () => {
    const quarantine = new Map<number, string>()
    const down = new Projector(
      openProjections({ LIBSQL_URL: 'http://127.0.0.1:9', LIBSQL_AUTH_TOKEN: 'x' }),
      sourceOf(siteId(), events(50), [], quarantine),
    )
    await down.catchUp()
    expect(down.status).toMatchObject({ state: 'retrying', failures: 1, projectedSeq: null })
    expect(quarantine.size).toBe(0)
  })
})
