import { SELF } from 'cloudflare:test'
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { signBuild } from '../../schema/agent/build-signature'
import type { Enrolled, ServerMessage } from '../../schema/agent/protocol'
import type { AgentBuild } from '../../schema/api/agent-builds'
import type { AgentRollout } from '../../schema/api/agent-rollouts'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Site } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import { newAgent, open } from '../../test/worker-agents'
import { BASE, type Client, createSite, eventually, expectError, newTenant } from '../../test/worker-support'

type UpgradeMessage = Extract<ServerMessage, { type: 'upgrade' }>

let admin: Client
let other: Client
let signed: AgentBuild
let unsigned: AgentBuild
let publicKey: string

const sha256 = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')

const upload = async (call: Client, query: string, content: Uint8Array) => {
  const response = await call(`/v1/agent-builds?${query}`, { method: 'POST', body: content })
  expect(response.status).toBe(201)
  return (await response.json()) as AgentBuild
}

beforeAll(async () => {
  admin = (await newTenant()).client
  other = (await newTenant()).client
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  publicKey = (await exportJWK(pair.publicKey)).x as string
  const pem = await exportPKCS8(pair.privateKey)
  await admin('/v1/agent-signing-key', { method: 'PUT', json: { public_key: publicKey } })
  const content = new TextEncoder().encode('console.log("2.0.0")\n')
  const signature = await signBuild(pem, { version: '2.0.0', sha256: await sha256(content) })
  signed = await upload(admin, `version=2.0.0&signature=${signature}`, content)
  unsigned = await upload(admin, 'version=2.0.1', content)
})

/** A site with one connected agent that reports `version`, as a test drives it. */
const siteWithAgent = async () => {
  const site = await createSite(admin, 'rollouts')
  const token = (await (
    await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: 1 } })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const keys = await newAgent()
  const enrolled = (await (await keys.enrol(token.token, { role: 'web' })).json()) as Enrolled
  // The tenant's key comes with the enrolment.
  expect(enrolled.signing_key).toEqual({ public_key: publicKey, endorsement: null })
  const connect = async (version: string) =>
    open(
      await SELF.fetch(`${BASE}/v1/sites/${site.id}/agents/connect`, {
        headers: {
          upgrade: 'websocket',
          authorization: `Bearer ${await keys.jwt(enrolled.agent_id, site.id)}`,
          'sitewire-agent-version': version,
          'sitewire-protocol': '1',
        },
      }),
    )
  return { site, keys, agentId: enrolled.agent_id, connect }
}

const start = (site: Site, body: unknown, call = admin) =>
  call(`/v1/sites/${site.id}/agent-rollouts`, { method: 'POST', json: body })

const rolloutOf = async (site: Site, id: string) =>
  (await (await admin(`/v1/sites/${site.id}/agent-rollouts/${id}`)).json()) as AgentRollout

const logOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/events?limit=1000`)).json()) as { items: LoggedEvent[] }).items

describe('agent rollouts', () => {
  it('sends the build to the agent, serves it to that agent only, and completes when it comes back upgraded', async () => {
    const { site, keys, agentId, connect } = await siteWithAgent()
    const before = await connect('1.0.0')
    const created = await start(site, { build_id: signed.id, selector: { role: 'web' }, timeout_seconds: 60 })
    expect(created.status).toBe(201)
    const rollout = (await created.json()) as AgentRollout
    expect(rollout).toMatchObject({
      status: 'running',
      batch: 1,
      counts: { waiting: 0, upgrading: 1, upgraded: 0, failed: 0 },
      agents: [{ agent_id: agentId, state: 'upgrading', batch: 1, reason: null }],
    })
    const message = (await before.next(
      (m) => typeof m !== 'string' && m.type === 'upgrade',
    )) as UpgradeMessage
    expect(message).toMatchObject({
      rollout_id: rollout.id,
      build: { id: signed.id, version: '2.0.0', sha256: signed.sha256, signature: signed.signature },
      signing_key: { public_key: publicKey, endorsement: null },
      healthy_within_seconds: 60,
    })
    const path = new URL(message.url).pathname
    const download = await SELF.fetch(`${BASE}${path}`, {
      headers: { authorization: `Bearer ${await keys.sign(agentId, path)}` },
    })
    expect(download.status).toBe(200)
    expect(await download.text()).toBe('console.log("2.0.0")\n')
    // Another build, or no JWT: refused.
    const otherPath = path.replace(signed.id, unsigned.id)
    const refused = await SELF.fetch(`${BASE}${otherPath}`, {
      headers: { authorization: `Bearer ${await keys.sign(agentId, otherPath)}` },
    })
    await expectError(refused, 403, 'not_your_upgrade')
    await expectError(await SELF.fetch(`${BASE}${path}`), 401, 'invalid_agent_credentials')

    // A second rollout waits for this one.
    await expectError(await start(site, { build_id: signed.id }), 409, 'rollout_active')

    before.socket.close()
    const after = await connect('2.0.0')
    const done = await eventually(async () => {
      const current = await rolloutOf(site, rollout.id)
      return current.status === 'completed' ? current : undefined
    })
    expect(done.agents).toEqual([{ agent_id: agentId, state: 'upgraded', batch: 1, reason: null }])
    expect((await logOf(site)).map((event) => event.type)).toEqual(
      expect.arrayContaining([
        'io.sitewire.rollout.started',
        'io.sitewire.rollout.batch_started',
        'io.sitewire.rollout.agent_upgraded',
        'io.sitewire.rollout.finished',
      ]),
    )
    after.socket.close()
  })

  it('halts at the failure budget when the agent reports it refused the build', async () => {
    const { site, agentId, connect } = await siteWithAgent()
    const conn = await connect('1.0.0')
    await expectError(await start(site, { build_id: unsigned.id }), 422, 'unverified_build')
    const rollout = (await (
      await start(site, { build_id: unsigned.id, allow_unverified: true })
    ).json()) as AgentRollout
    await conn.next((m) => typeof m !== 'string' && m.type === 'upgrade')
    conn.socket.send(
      JSON.stringify({
        specversion: '1.0',
        id: crypto.randomUUID(),
        source: `/sites/${site.id}/agents/${agentId}`,
        type: 'io.sitewire.agent.upgrade_failed',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: {
          agent_id: agentId,
          rollout_id: rollout.id,
          build_id: unsigned.id,
          version: '2.0.1',
          stage: 'refused',
          reason: 'the build is not signed',
        },
      }),
    )
    const halted = await eventually(async () => {
      const current = await rolloutOf(site, rollout.id)
      return current.status === 'halted' ? current : undefined
    })
    expect(halted.agents).toEqual([
      { agent_id: agentId, state: 'failed', batch: 1, reason: 'the build is not signed' },
    ])
    expect(halted.reason).toBe('1 agents failed; the failure budget is 0')
    await expectError(
      await admin(`/v1/sites/${site.id}/agent-rollouts/${rollout.id}/resume`, { method: 'POST' }),
      409,
      'rollout_finished',
    )
    conn.socket.close()
  })

  it('counts an agent already on the build’s version as upgraded at once', async () => {
    const { site, agentId, connect } = await siteWithAgent()
    const conn = await connect('2.0.0')
    await eventually(async () => {
      const agents = (await (await admin(`/v1/sites/${site.id}/agents`)).json()) as {
        items: { presence: string }[]
      }
      return agents.items[0]?.presence === 'online' ? true : undefined
    })
    const created = (await (await start(site, { build_id: signed.id })).json()) as AgentRollout
    const done = await eventually(async () => {
      const current = await rolloutOf(site, created.id)
      return current.status === 'completed' ? current : undefined
    })
    expect(done.agents).toEqual([{ agent_id: agentId, state: 'upgraded', batch: 1, reason: null }])
    expect(conn.messages.some((m) => typeof m !== 'string' && m.type === 'upgrade')).toBe(false)
    conn.socket.close()
  })

  it('pauses, resumes and cancels', async () => {
    const { site, connect } = await siteWithAgent()
    const conn = await connect('1.0.0')
    const rollout = (await (await start(site, { build_id: signed.id })).json()) as AgentRollout
    const act = (action: string) =>
      admin(`/v1/sites/${site.id}/agent-rollouts/${rollout.id}/${action}`, { method: 'POST' })
    expect(((await (await act('pause')).json()) as AgentRollout).status).toBe('paused')
    expect(((await (await act('resume')).json()) as AgentRollout).status).toBe('running')
    expect(((await (await act('cancel')).json()) as AgentRollout).status).toBe('cancelled')
    const list = (await (await admin(`/v1/sites/${site.id}/agent-rollouts`)).json()) as {
      items: AgentRollout[]
    }
    expect(list.items.map((item) => [item.id, item.status])).toEqual([[rollout.id, 'cancelled']])
    conn.socket.close()
  })

  it('refuses bad input and leaves no rollout', async () => {
    const { site } = await siteWithAgent()
    await expectError(await start(site, { build_id: 'nope' }), 400, 'validation_failed')
    await expectError(await start(site, { build_id: signed.id, batch_size: 0 }), 400, 'validation_failed')
    await expectError(await start(site, { build_id: signed.id, extra: true }), 400, 'validation_failed')
    await expectError(await start(site, { build_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }), 422, 'unknown_build')
    await expectError(await start(site, { build_id: signed.id, selector: { role: 'db' } }), 422, 'no_agents')
    const malformed = await admin(`/v1/sites/${site.id}/agent-rollouts`, {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    })
    await expectError(malformed, 400, 'malformed_json')
    // Another tenant neither sees the site nor may use this tenant's build.
    await expectError(await start(site, { build_id: signed.id }, other), 404, 'not_found')
    const otherSite = await createSite(other, 'theirs')
    await expectError(await start(otherSite, { build_id: signed.id }, other), 422, 'unknown_build')
    await expectError(
      await admin(`/v1/sites/${site.id}/agent-rollouts/01ARZ3NDEKTSV4RRFFQ69G5FAV`),
      404,
      'not_found',
    )
    const list = (await (await admin(`/v1/sites/${site.id}/agent-rollouts`)).json()) as {
      items: AgentRollout[]
    }
    expect(list.items).toEqual([])
  })
})
