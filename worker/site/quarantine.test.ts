import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { QuarantineRetried, SiteStatus } from '../../schema/api/sites'
import type { CloudEvent, LoggedEvent } from '../../schema/events'
import { cloudEvent, createSite, eventually, newTenant } from '../../test/worker-support'
import { openProjections } from '../projections/database'
import type { SiteObject } from '../site-object/site-object'

/**
 * An event the projection cannot apply, put straight into the log (the door would refuse it):
 * the projection sets it aside and everything after it reaches libSQL.
 */
describe('a poison event in the log', () => {
  it('is quarantined, shown, and the 1,000 events after it reach libSQL; a retry re-applies it once fixed', async () => {
    const tenant = await newTenant()
    const call = tenant.client
    const site = await createSite(call)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    const poison = { ...cloudEvent({ id: 'poison' }), time: 'not a time' } as CloudEvent
    const appended = await runInDurableObject(stub, (instance: SiteObject) =>
      instance.appendEvents([poison], { caller: tenant.caller }),
    )
    expect(appended.status).toBe(201)

    const after = Array.from({ length: 1000 }, (_, i) => cloudEvent({ id: `after-${i}` }))
    const response = await call(`/v1/sites/${site.id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(after),
    })
    expect(response.status).toBe(201)

    const status = await eventually(async () => {
      const s = (await (await call(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
      return s.projected_seq === s.head_seq && s.quarantine.count === 1 ? s : undefined
    })
    expect(status.quarantine).toEqual({
      count: 1,
      first: { seq: 2, error: expect.stringMatching(/Invalid time/) },
    })
    expect(status.projector).toMatchObject({ state: 'idle', failures: 0 })

    const db = openProjections(env)
    const indexed = await db.query.siteEvents.findMany({ where: (t, { eq }) => eq(t.siteId, site.id) })
    const ids = new Set(indexed.map((row) => row.id))
    expect(after.every((event) => ids.has(event.id))).toBe(true)
    expect(ids.has('poison')).toBe(false)

    const listed = (await (await call(`/v1/sites/${site.id}/projection/quarantine`)).json()) as {
      items: { seq: number; id: string; type: string; error: string }[]
    }
    expect(listed.items).toEqual([
      {
        seq: 2,
        id: 'poison',
        source: poison.source,
        type: poison.type,
        error: expect.stringMatching(/Invalid time/),
        quarantined_at: expect.any(String),
      },
    ])
    const log = (await (
      await call(`/v1/sites/${site.id}/events?type=io.sitewire.projection.quarantined`)
    ).json()) as { items: LoggedEvent[] }
    expect(log.items.map((e) => e.data)).toEqual([
      { seq: 2, event_id: 'poison', event_type: poison.type, error: expect.stringMatching(/Invalid time/) },
    ])

    const stillBad = (await (
      await call(`/v1/sites/${site.id}/projection/retry`, { method: 'POST' })
    ).json()) as QuarantineRetried
    expect(stillBad).toEqual({ released: [], still_quarantined: [{ seq: 2, error: expect.any(String) }] })

    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        'UPDATE events SET body = json_set(body, ?, ?) WHERE seq = 2',
        '$.time',
        '2026-01-01T00:00:00Z',
      )
    })
    const retried = await call(`/v1/sites/${site.id}/projection/retry`, { method: 'POST' })
    expect(retried.status).toBe(200)
    expect(await retried.json()).toEqual({ released: [2], still_quarantined: [] })
    const healed = await db.query.siteEvents.findFirst({
      where: (t, { and, eq }) => and(eq(t.siteId, site.id), eq(t.seq, 2)),
    })
    expect(healed?.id).toBe('poison')
    const cleared = (await (await call(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
    expect(cleared.quarantine).toEqual({ count: 0, first: null })
    const released = (await (
      await call(`/v1/sites/${site.id}/events?type=io.sitewire.projection.released`)
    ).json()) as { items: LoggedEvent[] }
    expect(released.items.map((e) => e.data)).toEqual([{ seqs: [2] }])
  })

  it('is re-applied by a rebuild once it can be', async () => {
    const tenant = await newTenant()
    const call = tenant.client
    const site = await createSite(call)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    await runInDurableObject(stub, (instance: SiteObject) =>
      instance.appendEvents([{ ...cloudEvent({ id: 'bad' }), time: 'yesterday' } as CloudEvent], {
        caller: tenant.caller,
      }),
    )
    await eventually(async () => {
      const s = (await (await call(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
      return s.quarantine.count === 1 && s.projected_seq === s.head_seq ? s : undefined
    })
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE events SET body = json_set(body, '$.time', '2026-02-28T00:00:00Z') WHERE seq = 2",
      )
    })
    expect((await call('/v1/admin/projections/rebuild', { method: 'POST' })).status).toBe(202)
    const status = await eventually(async () => {
      const s = (await (await call(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
      return s.quarantine.count === 0 && s.projected_seq === s.head_seq ? s : undefined
    })
    expect(status.quarantine.first).toBeNull()
  })
})
