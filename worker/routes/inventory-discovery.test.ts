import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Enrolled } from '../../schema/agent/protocol'
import type { Agent } from '../../schema/api/agents'
import type { Entity } from '../../schema/api/inventory'
import type { LoggedEvent } from '../../schema/events'
import { factsFrame, newAgent, open } from '../../test/worker-agents'
import { type Client, createSite, eventually, expectError, newTenant } from '../../test/worker-support'

let admin: Client

beforeAll(async () => {
  admin = (await newTenant()).client
})
afterEach(() => {
  vi.useRealTimers()
})

const DAY = 86_400_000

const facts = {
  hostname: 'db-7',
  ip_addresses: ['10.1.1.7'],
  memory_bytes: 4 * 1024 * 1024 * 1024,
  databases: [{ engine: 'postgresql', process: 'postgres', port: 5432 }],
}

describe('inventory discovery in the site object', () => {
  it('turns an agent’s facts into entities, marks them stale then inactive once unseen, and brings them back', async () => {
    const site = await createSite(admin, 'discovery')
    const tokenResponse = await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} })
    const { token } = (await tokenResponse.json()) as { token: string }
    const agent = await newAgent()
    const { agent_id: agentId } = (await (await agent.enrol(token)).json()) as Enrolled
    const actor = `discovery:agent:${agentId}`
    const entities = async () =>
      (
        (await (await admin(`/v1/sites/${site.id}/inventory/entities?active=all`)).json()) as {
          items: Entity[]
        }
      ).items
    const byKind = async (kind: string) => (await entities()).find((e) => e.kind === kind) as Entity

    let conn = await open(await agent.connect(agentId, site.id))
    conn.socket.send(JSON.stringify(factsFrame(site.id, agentId, facts)))
    await eventually(async () => ((await entities()).length === 2 ? true : undefined))
    const server = await byKind('server')
    const database = await byKind('database')
    expect(server).toMatchObject({ name: 'db-7', created_by: actor, active: true, stale: false })
    expect(server.attributes).toMatchObject({ hostname: 'db-7', private_ipv4: ['10.1.1.7'], memory_mb: 4096 })
    expect(database).toMatchObject({ name: 'postgresql on db-7:5432', attributes: { engine: 'postgresql' } })

    conn.socket.close(1000, 'bye')
    await eventually(async () => {
      const shown = (await (await admin(`/v1/sites/${site.id}/agents/${agentId}`)).json()) as Agent
      return shown.presence === 'offline' ? true : undefined
    })
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    // The test shares its clock with the site object: moving it moves the object's time.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 8 * DAY })
    await runDurableObjectAlarm(stub)
    for (const entity of await entities()) expect(entity).toMatchObject({ active: true, stale: true })
    // The tenant-wide projection follows: reports filter and show staleness.
    const staleReport = `/v1/inventory/reports/entities?kind=server&site_id=${site.id}&columns=name,stale,last_seen_at&filter=stale:equals:true`
    const staleRows = await eventually(async () => {
      const { rows } = (await (await admin(staleReport)).json()) as { rows: Record<string, unknown>[] }
      return rows.length === 1 ? rows : undefined
    })
    const staleServer = await byKind('server')
    expect(staleRows).toEqual([{ name: 'db-7', stale: true, last_seen_at: staleServer.last_seen_at }])
    vi.setSystemTime(Date.now() + 23 * DAY)
    await runDurableObjectAlarm(stub)
    for (const entity of await entities()) expect(entity).toMatchObject({ active: false, updated_by: actor })
    vi.useRealTimers()

    const changes = (
      (await (await admin(`/v1/sites/${site.id}/events?limit=1000`)).json()) as { items: LoggedEvent[] }
    ).items
      .filter((e) => e.subject === server.id)
      .map((e) => [e.type, e.actor])
    expect(changes).toEqual([
      ['io.sitewire.entity.created', actor],
      ['io.sitewire.entity.marked_stale', actor],
      ['io.sitewire.entity.deactivated', actor],
    ])

    // Seen again: fresh, and back, since discovery was what deactivated them.
    conn = await open(await agent.connect(agentId, site.id))
    conn.socket.send(JSON.stringify(factsFrame(site.id, agentId, { uptime_seconds: 5 })))
    await eventually(async () => ((await entities()).every((e) => e.active && !e.stale) ? true : undefined))
    const fresh = await eventually(async () => {
      const { rows } = (await (
        await admin(staleReport.replace('stale:equals:true', 'stale:equals:false'))
      ).json()) as { rows: Record<string, unknown>[] }
      return rows.length === 1 ? rows[0] : undefined
    })
    expect(fresh).toMatchObject({ name: 'db-7', stale: false })
    expect(Date.parse(fresh?.last_seen_at as string)).toBeGreaterThan(
      Date.parse(server.last_seen_at as string),
    )
    conn.socket.close(1000, 'bye')
  })

  it('leaves alone what a person deactivated, and what a person set', async () => {
    const site = await createSite(admin, 'discovery-person')
    const tokenResponse = await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} })
    const { token } = (await tokenResponse.json()) as { token: string }
    const agent = await newAgent()
    const { agent_id: agentId } = (await (await agent.enrol(token)).json()) as Enrolled
    const made = await admin(`/v1/sites/${site.id}/inventory/entities`, {
      method: 'POST',
      json: {
        kind: 'server',
        name: 'primary db',
        attributes: { hostname: 'db-7', private_ipv4: ['10.1.1.7'], memory_mb: 1 },
      },
    })
    expect(made.status).toBe(201)
    const person = (await made.json()) as Entity

    const conn = await open(await agent.connect(agentId, site.id))
    conn.socket.send(JSON.stringify(factsFrame(site.id, agentId, { ...facts, databases: [] })))
    const matched = await eventually(async () => {
      const shown = (await (
        await admin(`/v1/sites/${site.id}/inventory/entities/${person.id}`)
      ).json()) as Entity
      return shown.last_seen_at ? shown : undefined
    })
    // Matched by hostname and private address: no second server; the person's name and memory stay.
    expect(matched).toMatchObject({ name: 'primary db', attributes: { memory_mb: 1 } })
    expect(matched.field_sources['attributes.memory_mb']).toMatch(/^key\//)
    const servers = (await (await admin(`/v1/sites/${site.id}/inventory/entities?kind=server`)).json()) as {
      items: Entity[]
    }
    expect(servers.items.map((e) => e.id)).toEqual([person.id])

    expect(
      (await admin(`/v1/sites/${site.id}/inventory/entities/${person.id}`, { method: 'DELETE' })).status,
    ).toBe(200)
    conn.socket.send(JSON.stringify(factsFrame(site.id, agentId, { uptime_seconds: 9 })))
    await eventually(async () => {
      const events = (await (
        await admin(`/v1/sites/${site.id}/events?type=io.sitewire.discovery.observed`)
      ).json()) as { items: LoggedEvent[] }
      return events.items.length === 2 ? true : undefined
    })
    const after = (await (
      await admin(`/v1/sites/${site.id}/inventory/entities/${person.id}`)
    ).json()) as Entity
    expect(after.active).toBe(false)
    conn.socket.close(1000, 'bye')
  })

  it('takes a site its own staleness periods, refusing ones that do not make sense', async () => {
    const site = await createSite(admin, 'discovery-settings')
    const path = `/v1/sites/${site.id}/inventory/discovery-settings`
    expect(await (await admin(path)).json()).toEqual({ stale_after_days: 7, inactive_after_days: 30 })
    for (const json of [
      { stale_after_days: 5, inactive_after_days: 5 },
      { stale_after_days: 0, inactive_after_days: 5 },
      { stale_after_days: 1.5, inactive_after_days: 5 },
      { stale_after_days: 1 },
      { stale_after_days: 1, inactive_after_days: 5, other: true },
    ]) {
      const refused = await expectError(await admin(path, { method: 'PUT', json }), 400, 'validation_failed')
      expect(refused.error.details, JSON.stringify(json)).not.toEqual([])
    }
    const malformed = await admin(path, {
      method: 'PUT',
      body: '{',
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
    expect(await (await admin(path)).json()).toEqual({ stale_after_days: 7, inactive_after_days: 30 })
    const set = await admin(path, { method: 'PUT', json: { stale_after_days: 1, inactive_after_days: 2 } })
    expect(set.status).toBe(200)
    expect(await set.json()).toEqual({ stale_after_days: 1, inactive_after_days: 2 })

    const tokenResponse = await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} })
    const { token } = (await tokenResponse.json()) as { token: string }
    const agent = await newAgent()
    const { agent_id: agentId } = (await (await agent.enrol(token)).json()) as Enrolled
    const conn = await open(await agent.connect(agentId, site.id))
    conn.socket.send(JSON.stringify(factsFrame(site.id, agentId, { ...facts, databases: [] })))
    const entities = async () =>
      (
        (await (await admin(`/v1/sites/${site.id}/inventory/entities?active=all`)).json()) as {
          items: Entity[]
        }
      ).items
    await eventually(async () => ((await entities()).length === 1 ? true : undefined))
    conn.socket.close(1000, 'bye')
    await eventually(async () => {
      const shown = (await (await admin(`/v1/sites/${site.id}/agents/${agentId}`)).json()) as Agent
      return shown.presence === 'offline' ? true : undefined
    })
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1.5 * DAY })
    await runDurableObjectAlarm(stub)
    expect(await entities()).toMatchObject([{ active: true, stale: true }])
  })
})
