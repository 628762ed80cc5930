import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { CloudEvent } from '../../schema/events'
import { cloudEvent, createSite, newTenant } from '../../test/worker-support'
import type { SiteObject } from '../site-object/site-object'

describe('site object', () => {
  it('migrates its SQLite on start and records the applied migrations', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    const tables = await runInDurableObject(stub, (_instance: SiteObject, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .toArray()
        .map((row) => row.name),
    )
    expect(tables).toEqual(expect.arrayContaining(['__drizzle_migrations', 'events', 'idempotency']))
  })

  it('rolls a failed append back whole and keeps seq gap-free', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    const caller = tenant.caller
    const events = (list: Record<string, unknown>[]) => list as unknown as CloudEvent[]
    const failing = events([cloudEvent({ id: 'ok-1' }), cloudEvent({ id: 'ok-2', data: { n: 1n } })])
    await runInDurableObject(stub, async (instance: SiteObject) => {
      await expect(instance.appendEvents(failing, { caller })).rejects.toThrow(/BigInt/)
    })
    const after = (await stub.appendEvents(events([cloudEvent({ id: 'ok-3' })]), { caller })) as {
      body: unknown
    }
    expect(after.body).toMatchObject({ items: [{ id: 'ok-3', seq: 2 }], head_seq: 2 })
    const log = (await stub.open(caller).site.events({ after: 0, limit: 10 })) as unknown as {
      body: { items: { id: string; seq: number }[] }
    }
    const items = log.body.items
    expect(items.map((e) => [e.seq, e.id])).toEqual([
      [1, expect.any(String)],
      [2, 'ok-3'],
    ])
  })

  it('commits appends that arrive together as a group: each gets its own answer, and one that fails fails alone', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    const caller = tenant.caller
    const events = (list: Record<string, unknown>[]) => list as unknown as CloudEvent[]
    const outcomes = await runInDurableObject(stub, (instance: SiteObject) =>
      Promise.allSettled([
        instance.appendEvents(events([cloudEvent({ id: 'a' }), cloudEvent({ id: 'b' })]), { caller }),
        instance.appendEvents(events([cloudEvent({ id: 'bad', data: { n: 1n } })]), { caller }),
        instance.appendEvents(events([cloudEvent({ id: 'a' })]), { caller }),
        instance.appendEvents(events([cloudEvent({ id: 'c' })]), {
          caller: { ...caller, tenantId: 'other' },
        }),
        instance.appendEvents(events([cloudEvent({ id: 'd' })]), { caller }),
      ]),
    )
    const [first, failed, repeat, foreign, last] = outcomes.map((o) =>
      o.status === 'fulfilled' ? o.value : { rejected: String(o.reason) },
    )
    expect(first).toMatchObject({
      status: 201,
      body: {
        items: [
          { id: 'a', seq: 2 },
          { id: 'b', seq: 3 },
        ],
      },
    })
    expect(failed).toEqual({ rejected: expect.stringMatching(/BigInt/) })
    expect(repeat).toMatchObject({ status: 200, body: { items: [{ id: 'a', seq: 2, duplicate: true }] } })
    expect(foreign).toMatchObject({ refused: true, status: 404, body: { error: { code: 'not_found' } } })
    expect(last).toMatchObject({ status: 201, body: { items: [{ id: 'd', seq: 4 }], head_seq: 4 } })
    const log = (await stub.open(caller).site.events({ after: 0, limit: 10 })) as unknown as {
      body: { items: { id: string; seq: number }[] }
    }
    expect(log.body.items.map((e) => [e.seq, e.id])).toEqual([
      [1, expect.any(String)],
      [2, 'a'],
      [3, 'b'],
      [4, 'd'],
    ])
  })

  it('arms its alarm on append, and the alarm brings the projection up to the head', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())
    expect(alarm).not.toBeNull()
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const status = await stub.open(tenant.caller).site.status()
    expect(status.body).toMatchObject({ head_seq: 1, projected_seq: 1, lag: 0 })
  })
})
