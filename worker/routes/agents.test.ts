import { env, runInDurableObject } from 'cloudflare:test'
import { decodeJwt } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { type Enrolled, MAX_BATCH_BYTES, type ServerMessage } from '../../schema/agent/protocol'
import type { Agent, CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Site } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import { factsFrame, newAgent, open } from '../../test/worker-agents'
import { BASE, type Client, client, eventually, expectError, newTenant } from '../../test/worker-support'

let admin: Client
let tenant: Awaited<ReturnType<typeof newTenant>>

beforeAll(async () => {
  tenant = await newTenant()
  admin = tenant.client
})

const newSite = async (approval: 'automatic' | 'required' = 'automatic') => {
  const response = await admin('/v1/sites', {
    method: 'POST',
    json: { name: 'agents', agent_approval: approval },
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Site
}

const newToken = async (site: Site, json: Record<string, unknown> = {}) => {
  const response = await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json })
  expect(response.status).toBe(201)
  return (await response.json()) as CreatedEnrolmentToken & { token: string }
}

const logTypes = async (siteId: string) =>
  (
    (await (await admin(`/v1/sites/${siteId}/events?limit=1000`)).json()) as { items: LoggedEvent[] }
  ).items.map((e) => e.type)

describe('enrolment tokens', () => {
  it('are signed JWTs naming the platform and the site, shown once, listed without the token, and revocable', async () => {
    const site = await newSite()
    const created = await newToken(site, { max_uses: 3, labels: { role: 'web' }, expires_in_seconds: 3600 })
    const claims = decodeJwt(created.token)
    expect(claims).toMatchObject({
      url: new URL(BASE).origin,
      site: site.id,
      sub: created.id,
      aud: 'sitewire-enrol',
    })
    expect(Math.abs((claims.exp ?? 0) * 1000 - Date.parse(created.expires_at))).toBeLessThan(1000)
    const list = (await (await admin(`/v1/sites/${site.id}/enrolment-tokens`)).json()) as { items: unknown[] }
    expect(list.items).toEqual([
      {
        id: created.id,
        created_at: expect.any(String),
        expires_at: created.expires_at,
        max_uses: 3,
        uses: 0,
        labels: { role: 'web' },
        revoked_at: null,
      },
    ])
    expect(JSON.stringify(list)).not.toContain(created.token)
    const revoked = await admin(`/v1/sites/${site.id}/enrolment-tokens/${created.id}`, { method: 'DELETE' })
    expect(await revoked.json()).toMatchObject({ revoked_at: expect.any(String) })
    const agent = await newAgent()
    await expectError(await agent.enrol(created.token), 401, 'invalid_enrolment_token')
  })

  it('refuse enrolment once used up, expired, forged or for a bad body', async () => {
    const site = await newSite()
    const once = await newToken(site)
    const agent = await newAgent()
    expect((await agent.enrol(once.token)).status).toBe(201)
    await expectError(await agent.enrol(once.token), 401, 'invalid_enrolment_token')

    const expiring = await newToken(site)
    await runInDurableObject(env.SITE.get(env.SITE.idFromName(site.id)), (_instance, state) => {
      state.storage.sql.exec(
        'UPDATE enrolment_tokens SET expires_at = ? WHERE id = ?',
        '2000-01-01T00:00:00.000Z',
        expiring.id,
      )
    })
    await expectError(await agent.enrol(expiring.token), 401, 'invalid_enrolment_token')

    const [header, payload] = once.token.split('.')
    await expectError(await agent.enrol(`${header}.${payload}.forged`), 401, 'invalid_enrolment_token')
    await expectError(await agent.enrol('not-a-jwt'), 401, 'invalid_enrolment_token')
    const bad = await client(undefined)('/v1/agents/enrol', {
      method: 'POST',
      json: { token: once.token, public_key: 'short', hostname: '' },
    })
    await expectError(bad, 400, 'validation_failed')
    expect((await logTypes(site.id)).filter((t) => t === 'io.sitewire.agent.enrolled')).toHaveLength(1)
  })

  it('expire with time: a token past its expiry is refused by its signature check', async () => {
    const site = await newSite()
    const token = await newToken(site, { expires_in_seconds: 60 })
    // The test shares its clock with the site object: moving it moves the object's time.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 })
    const refused = await expectError(
      await (await newAgent()).enrol(token.token),
      401,
      'invalid_enrolment_token',
    ).finally(() => vi.useRealTimers())
    expect(refused.error.message).toBe('the enrolment token is not valid or has expired')
    expect(await logTypes(site.id)).not.toContain('io.sitewire.agent.enrolled')
  })
})

describe('agents', () => {
  it('enrol, connect, report facts, and appear with their facts, site-local and tenant-wide', async () => {
    const site = await newSite()
    const token = await newToken(site, { labels: { env: 'prod' } })
    const agent = await newAgent()
    const enrolled = await agent.enrol(token.token, { role: 'web' })
    expect(enrolled.status).toBe(201)
    const { agent_id: agentId, status, connect_url } = (await enrolled.json()) as Enrolled
    expect(status).toBe('approved')
    expect(connect_url).toBe(
      `${new URL(BASE).origin.replace('http', 'ws')}/v1/sites/${site.id}/agents/connect`,
    )

    const conn = await open(await agent.connect(agentId, site.id))
    expect(await conn.next((m) => typeof m !== 'string' && m.type === 'welcome')).toMatchObject({
      agent_id: agentId,
      status: 'approved',
    })
    const frame = factsFrame(site.id, agentId, {
      hostname: 'web-1.example',
      os: { family: 'linux', distribution: 'debian', version: '12' },
      arch: 'x64',
      memory_bytes: 1024,
    })
    conn.socket.send(JSON.stringify(frame))
    expect(await conn.next((m) => typeof m !== 'string' && m.type === 'ack')).toEqual({
      type: 'ack',
      ids: [frame.id],
    })
    conn.socket.send(JSON.stringify(frame))
    await eventually(async () =>
      conn.messages.filter((m) => typeof m !== 'string' && m.type === 'ack').length === 2 ? true : undefined,
    )
    conn.socket.send(JSON.stringify(factsFrame(site.id, agentId, { memory_bytes: 2048 }, ['arch'])))

    const shown = await eventually(async () => {
      const body = (await (await admin(`/v1/sites/${site.id}/agents/${agentId}`)).json()) as Agent
      return body.facts.memory_bytes === 2048 ? body : undefined
    })
    expect(shown).toMatchObject({
      hostname: 'web-1.example',
      labels: { env: 'prod', role: 'web' },
      status: 'approved',
      presence: 'online',
      version: '1.2.3',
      facts: {
        hostname: 'web-1.example',
        os: { family: 'linux', distribution: 'debian', version: '12' },
        memory_bytes: 2048,
      },
    })
    expect(shown.facts).not.toHaveProperty('arch')
    expect((await logTypes(site.id)).filter((t) => t.startsWith('io.sitewire.agent.'))).toEqual([
      'io.sitewire.agent.enrolled',
      'io.sitewire.agent.connected',
      'io.sitewire.agent.facts_reported',
      'io.sitewire.agent.facts_reported',
    ])

    const inventory = await eventually(async () => {
      const page = (await (await admin(`/v1/agents?os=linux&label=role=web&site_id=${site.id}`)).json()) as {
        items: Agent[]
      }
      return page.items[0]?.facts.memory_bytes === 2048 ? page : undefined
    })
    expect(inventory.items.map((a) => [a.id, a.hostname, a.presence])).toEqual([
      [agentId, 'web-1.example', 'online'],
    ])
    expect((await (await admin('/v1/agents?os=windows')).json()) as { items: unknown[] }).toMatchObject({
      items: [],
    })

    conn.socket.close(1000, 'bye')
    const offline = await eventually(async () => {
      const body = (await (await admin(`/v1/sites/${site.id}/agents/${agentId}`)).json()) as Agent
      return body.presence === 'offline' ? body : undefined
    })
    expect(offline.last_seen_at).not.toBeNull()
  })

  it('applies a package delta to the packages the platform has, site-local and tenant-wide', async () => {
    const site = await newSite()
    const agent = await newAgent()
    const { agent_id: agentId } = (await (await agent.enrol((await newToken(site)).token)).json()) as Enrolled
    const conn = await open(await agent.connect(agentId, site.id))
    const acked = (id: string) =>
      conn.next((m) => typeof m !== 'string' && m.type === 'ack' && m.ids.includes(id))
    const full = factsFrame(site.id, agentId, {
      hostname: 'db-1',
      packages: { bash: '5.2-1', openssl: '3.0.1', 'libc6:amd64': '2.36' },
    })
    conn.socket.send(JSON.stringify(full))
    await acked(full.id)
    const delta = factsFrame(site.id, agentId, {}, [], {
      packages_delta: { installed: { openssl: '3.0.2', nginx: '1.24' }, removed: ['bash'] },
    })
    conn.socket.send(JSON.stringify(delta))
    await acked(delta.id)
    const expected = { openssl: '3.0.2', 'libc6:amd64': '2.36', nginx: '1.24' }
    const local = (await (await admin(`/v1/sites/${site.id}/agents/${agentId}`)).json()) as Agent
    expect(local.facts.packages).toEqual(expected)
    const projected = await eventually(async () => {
      const page = (await (await admin(`/v1/agents?site_id=${site.id}`)).json()) as { items: Agent[] }
      return page.items[0]?.facts.packages?.nginx ? page.items[0] : undefined
    })
    expect(projected.facts.packages).toEqual(expected)
    conn.socket.close(1000, 'bye')
  })

  it('answers bad frames with errors and keeps the connection and the log intact', async () => {
    const site = await newSite()
    const agent = await newAgent()
    const { agent_id: agentId } = (await (await agent.enrol((await newToken(site)).token)).json()) as Enrolled
    const conn = await open(await agent.connect(agentId, site.id))
    const before = await logTypes(site.id)
    const bad = [
      '{not json',
      JSON.stringify({ ...factsFrame(site.id, agentId, {}), type: 'io.sitewire.site.created' }),
      JSON.stringify(factsFrame(site.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV', {})),
      JSON.stringify({
        ...factsFrame(site.id, agentId, {}),
        source: `/sites/${site.id}/agents/01ARZ3NDEKTSV4RRFFQ69G5FAV`,
      }),
      JSON.stringify(factsFrame(site.id, agentId, { hostname: 'x'.repeat(300 * 1024) })),
    ]
    for (const text of bad) conn.socket.send(text)
    const errors = await eventually(async () => {
      const got = conn.messages.filter(
        (m): m is Extract<ServerMessage, { type: 'error' }> => typeof m !== 'string' && m.type === 'error',
      )
      return got.length === bad.length ? got : undefined
    })
    expect(errors.every((e) => e.retryable === false)).toBe(true)
    expect(errors.map((e) => e.code).sort()).toEqual([
      'frame_too_large',
      'invalid_frame',
      'malformed_json',
      'wrong_source',
      'wrong_source',
    ])
    conn.socket.send('ping')
    expect(await conn.next((m) => m === 'pong')).toBe('pong')
    const good = factsFrame(site.id, agentId, { arch: 'arm64' })
    conn.socket.send(JSON.stringify(good))
    expect(await conn.next((m) => typeof m !== 'string' && m.type === 'ack')).toEqual({
      type: 'ack',
      ids: [good.id],
    })
    expect(await logTypes(site.id)).toEqual([...before, 'io.sitewire.agent.facts_reported'])
    conn.socket.close()
  })

  it('store the frames of one message together, ack them at once, and answer each bad one', async () => {
    const site = await newSite()
    const token = (await newToken(site, { max_uses: 2 })).token
    const connect = async () => {
      const agent = await newAgent()
      const { agent_id: agentId } = (await (await agent.enrol(token)).json()) as Enrolled
      return { agentId, conn: await open(await agent.connect(agentId, site.id)) }
    }
    const a = await connect()
    const b = await connect()
    const welcome = a.conn.messages.find((m) => typeof m !== 'string' && m.type === 'welcome')
    expect(welcome).toMatchObject({ batch_bytes: MAX_BATCH_BYTES })
    const before = await logTypes(site.id)
    const errors = (conn: typeof a.conn) =>
      conn.messages.filter(
        (m): m is Extract<ServerMessage, { type: 'error' }> => typeof m !== 'string' && m.type === 'error',
      )
    const acks = (conn: typeof a.conn) =>
      conn.messages.filter(
        (m): m is Extract<ServerMessage, { type: 'ack' }> => typeof m !== 'string' && m.type === 'ack',
      )

    // Two agents' messages at once: each gets one ack for its frames; a bad frame only its error.
    const ofA = [1, 2, 3].map((n) => factsFrame(site.id, a.agentId, { arch: `arm${n}` }))
    const foreign = factsFrame(site.id, b.agentId, {})
    const ofB = factsFrame(site.id, b.agentId, { arch: 'riscv' })
    a.conn.socket.send(JSON.stringify([ofA[0], foreign, ofA[1], ofA[2]]))
    b.conn.socket.send(JSON.stringify([ofB]))
    expect(await eventually(async () => acks(a.conn)[0])).toEqual({ type: 'ack', ids: ofA.map((f) => f.id) })
    expect(await eventually(async () => acks(b.conn)[0])).toEqual({ type: 'ack', ids: [ofB.id] })
    expect(errors(a.conn)).toMatchObject([{ code: 'wrong_source', event_id: foreign.id, retryable: false }])
    const stored = (await logTypes(site.id)).slice(before.length)
    expect(stored).toEqual(Array(4).fill('io.sitewire.agent.facts_reported'))

    // A repeat of stored frames is acked again and stored once.
    a.conn.socket.send(JSON.stringify(ofA))
    expect(await eventually(async () => acks(a.conn)[1])).toEqual({ type: 'ack', ids: ofA.map((f) => f.id) })
    expect(await logTypes(site.id)).toHaveLength(before.length + 4)

    // Refused whole: an empty batch, and one over the limit for a message of several frames.
    const big = JSON.stringify(factsFrame(site.id, a.agentId, { hostname: 'x'.repeat(200 * 1024) }))
    a.conn.socket.send('[]')
    a.conn.socket.send(`[${JSON.stringify(ofA[0])},`)
    a.conn.socket.send(`[${Array(5).fill(big).join(',')}]`)
    const refused = await eventually(async () => (errors(a.conn).length === 4 ? errors(a.conn) : undefined))
    expect(refused.slice(1).map((e) => [e.code, e.message, e.event_id])).toEqual([
      ['invalid_frame', 'a message of several frames holds at least one', null],
      ['malformed_json', 'a message of several frames is a JSON array of CloudEvents', null],
      ['message_too_large', `a message of several frames is at most ${MAX_BATCH_BYTES} bytes`, null],
    ])
    expect(await logTypes(site.id)).toHaveLength(before.length + 4)
    a.conn.socket.close()
    b.conn.socket.close()
  })

  it('are all asked for their facts at once by one refresh', async () => {
    const site = await newSite()
    const token = (await newToken(site, { max_uses: 3 })).token
    const conns = []
    for (let i = 0; i < 3; i++) {
      const agent = await newAgent()
      const { agent_id: agentId } = (await (await agent.enrol(token)).json()) as Enrolled
      conns.push(await open(await agent.connect(agentId, site.id)))
    }
    const response = await admin(`/v1/sites/${site.id}/agents/refresh-facts`, { method: 'POST' })
    expect(response.status).toBe(202)
    expect(await response.json()).toEqual({ agents: 3 })
    for (const conn of conns) {
      expect(await conn.next((m) => typeof m !== 'string' && m.type === 'refresh_facts')).toEqual({
        type: 'refresh_facts',
      })
      conn.socket.close()
    }
    const events = (
      (await (
        await admin(`/v1/sites/${site.id}/events?type=io.sitewire.agent.facts_refresh_requested`)
      ).json()) as {
        items: LoggedEvent[]
      }
    ).items
    expect(events.map((e) => e.data)).toEqual([{ agents: 3 }])
  })

  it('refuse connections without a valid agent JWT', async () => {
    const site = await newSite()
    const agent = await newAgent()
    const { agent_id: agentId } = (await (await agent.enrol((await newToken(site)).token)).json()) as Enrolled
    const other = await newAgent()
    await expectError(await agent.connect(agentId, site.id, 'garbage'), 401, 'invalid_agent_credentials')
    await expectError(
      await agent.connect(agentId, site.id, await other.jwt(agentId, site.id)),
      401,
      'invalid_agent_credentials',
    )
    await expectError(
      await agent.connect(agentId, site.id, await agent.jwt(agentId, site.id, 3600)),
      401,
      'invalid_agent_credentials',
    )
    await expectError(
      await agent.connect(agentId, site.id, await agent.jwt(agentId, '01ARZ3NDEKTSV4RRFFQ69G5FAV')),
      401,
      'invalid_agent_credentials',
    )
    await expectError(await client(undefined)(`/v1/sites/${site.id}/agents/connect`), 426, 'upgrade_required')
  })

  it('wait for approval where the site requires it, and are cut off at once when revoked', async () => {
    const site = await newSite('required')
    const agent = await newAgent()
    const enrolled = (await (await agent.enrol((await newToken(site)).token)).json()) as Enrolled
    expect(enrolled.status).toBe('pending')
    const conn = await open(await agent.connect(enrolled.agent_id, site.id))
    expect(await conn.next((m) => typeof m !== 'string' && m.type === 'welcome')).toMatchObject({
      status: 'pending',
    })
    const approved = await admin(`/v1/sites/${site.id}/agents/${enrolled.agent_id}/approve`, {
      method: 'POST',
    })
    expect(await approved.json()).toMatchObject({ status: 'approved' })
    expect(
      await conn.next((m) => typeof m !== 'string' && m.type === 'welcome' && m.status === 'approved'),
    ).toBeTruthy()

    const replacement = await open(await agent.connect(enrolled.agent_id, site.id))
    await eventually(async () => conn.closed())
    expect(conn.closed()?.code).toBe(4000)
    expect(
      ((await (await admin(`/v1/sites/${site.id}/agents/${enrolled.agent_id}`)).json()) as Agent).presence,
    ).toBe('online')

    await admin(`/v1/sites/${site.id}/agents/${enrolled.agent_id}/revoke`, {
      method: 'POST',
      json: { reason: 'decommissioned' },
    })
    await eventually(async () => replacement.closed())
    expect(replacement.closed()?.code).toBe(4003)
    expect(replacement.messages.at(-1)).toMatchObject({
      type: 'error',
      code: 'agent_revoked',
      event_id: null,
    })
    await expectError(await agent.connect(enrolled.agent_id, site.id), 403, 'agent_revoked')
    await expectError(
      await admin(`/v1/sites/${site.id}/agents/${enrolled.agent_id}/approve`, { method: 'POST' }),
      409,
      'agent_not_pending',
    )

    const rejected = await newAgent()
    const pending = (await (await rejected.enrol((await newToken(site)).token)).json()) as Enrolled
    await admin(`/v1/sites/${site.id}/agents/${pending.agent_id}/reject`, { method: 'POST' })
    await expectError(await rejected.connect(pending.agent_id, site.id), 403, 'agent_rejected')
    const list = (await (await admin(`/v1/sites/${site.id}/agents?status=revoked`)).json()) as {
      items: Agent[]
    }
    expect(list.items.map((a) => a.id)).toEqual([enrolled.agent_id])
  })
})
