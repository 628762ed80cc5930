import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../schema/api/access'
import type { CloudEvent } from '../../schema/events'
import { type Client, cloudEvent, createSite, eventually, newTenant } from '../../test/worker-support'
import type { SiteObject } from '../site-object/site-object'

const append = (call: Client, siteId: string, body: unknown, headers: Record<string, string> = {}) =>
  call(`/v1/sites/${siteId}/events`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/cloudevents+json', ...headers },
  })

const appendAudit = async (call: Client, siteId: string) =>
  (
    (await (await call(`/v1/audit?action=events.append&site_id=${siteId}`)).json()) as {
      items: AuditEntry[]
    }
  ).items

const outboxOf = (siteId: string) =>
  runInDurableObject(env.SITE.get(env.SITE.idFromName(siteId)), (_instance, state) =>
    state.storage.sql.exec<{ id: string }>('SELECT id FROM audit_outbox').toArray(),
  )

describe('the audit of appends', () => {
  it('stores each append’s entry with its events and forwards it to the tenant’s trail', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const from = { 'cf-connecting-ip': '203.0.113.9' }
    expect((await append(tenant.client, site.id, cloudEvent(), from)).status).toBe(201)
    const batch = [cloudEvent(), cloudEvent()]
    const sent = await append(tenant.client, site.id, batch, {
      ...from,
      'content-type': 'application/cloudevents-batch+json',
    })
    expect(sent.status).toBe(201)
    const entries = await eventually(async () => {
      const items = await appendAudit(tenant.client, site.id)
      return items.length === 2 ? items : undefined
    })
    for (const entry of entries) {
      expect(entry).toMatchObject({
        actor: { type: 'key', id: tenant.key_id },
        action: 'events.append',
        object: { type: 'site', id: site.id },
        site_id: site.id,
        address: '203.0.113.9',
        status: 201,
        details: null,
      })
    }
    await eventually(async () => ((await outboxOf(site.id)).length === 0 ? true : undefined))
  })

  it('audits a replayed append with the status it answers', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const event = cloudEvent()
    const key = { 'idempotency-key': 'append-once' }
    expect((await append(tenant.client, site.id, event, key)).status).toBe(201)
    expect((await append(tenant.client, site.id, event, key)).status).toBe(201)
    expect((await append(tenant.client, site.id, event)).status).toBe(200)
    const statuses = await eventually(async () => {
      const items = await appendAudit(tenant.client, site.id)
      return items.length === 3 ? items.map((e) => e.status) : undefined
    })
    expect(statuses).toEqual([200, 201, 201])
  })

  it('has the Worker audit a refused append at once', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    await tenant.client(`/v1/sites/${site.id}/archive`, { method: 'POST' })
    expect((await append(tenant.client, site.id, cloudEvent())).status).toBe(409)
    const [entry] = await appendAudit(tenant.client, site.id)
    expect(entry).toMatchObject({ status: 409, details: { code: expect.any(String) } })
    expect(await outboxOf(site.id)).toEqual([])
  })

  it('stores no entry for an append that rolls back', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    const failing = [cloudEvent({ data: { n: 1n } })] as unknown as CloudEvent[]
    await runInDurableObject(stub, async (instance: SiteObject) => {
      await expect(instance.appendEvents(failing, { caller: tenant.caller })).rejects.toThrow(/BigInt/)
    })
    expect(await outboxOf(site.id)).toEqual([])
  })

  it('keeps an entry until the tenant has it, and the tenant keeps one copy of an entry sent twice', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client)
    const entry: AuditEntry = {
      id: '01KAAAAAAAAAAAAAAAAAAAAAAA',
      time: new Date().toISOString(),
      actor: { type: 'key', id: tenant.key_id },
      action: 'events.append',
      object: { type: 'site', id: site.id },
      site_id: site.id,
      address: null,
      status: 201,
      details: null,
    }
    // The tenant stored it, then the site stopped before deleting its row: the alarm sends it again.
    await tenant.object.importAudit([entry])
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        'INSERT INTO audit_outbox (id, entry) VALUES (?, ?)',
        entry.id,
        JSON.stringify(entry),
      )
    })
    await runDurableObjectAlarm(stub)
    expect(await outboxOf(site.id)).toEqual([])
    expect((await appendAudit(tenant.client, site.id)).map((e) => e.id)).toEqual([entry.id])
  })
})
