import { beforeAll, describe, expect, it } from 'vitest'
import type { Enrolled } from '../../schema/agent/protocol'
import type { Agent, CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Site } from '../../schema/api/sites'
import { newAgent } from '../../test/worker-agents'
import { type Client, createSite, expectError, newTenant } from '../../test/worker-support'

/** Actions whose body holds only optional fields take no body at all, whatever the content type. */
let call: Client
let site: Site

beforeAll(async () => {
  call = (await newTenant()).client
  site = await createSite(call)
})

const enrolledAgent = async () => {
  const token = (await (
    await call(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const enrolled = (await (await (await newAgent()).enrol(token.token)).json()) as Enrolled
  return enrolled.agent_id
}

const agentStatus = async (agentId: string) =>
  ((await (await call(`/v1/sites/${site.id}/agents/${agentId}`)).json()) as Agent).status

const EMPTY_BODIES: [string, RequestInit][] = [
  ['no body and no content type', {}],
  ['no body under application/json', { headers: { 'content-type': 'application/json' } }],
  ['a blank body under application/json', { headers: { 'content-type': 'application/json' }, body: ' \n' }],
  ['an empty object', { headers: { 'content-type': 'application/json' }, body: '{}' }],
]

describe('actions with only optional fields', () => {
  for (const [name, init] of EMPTY_BODIES) {
    it(`revoke an agent with ${name}`, async () => {
      const agentId = await enrolledAgent()
      const response = await call(`/v1/sites/${site.id}/agents/${agentId}/revoke`, {
        method: 'POST',
        ...init,
      })
      expect(response.status).toBe(200)
      expect(await agentStatus(agentId)).toBe('revoked')
    })

    it(`archive and restore a site with ${name}`, async () => {
      const own = await createSite(call, 'archived')
      const archived = await call(`/v1/sites/${own.id}/archive`, { method: 'POST', ...init })
      expect(archived.status).toBe(200)
      expect(((await archived.json()) as Site).status).toBe('archived')
      const restored = await call(`/v1/sites/${own.id}/restore`, { method: 'POST', ...init })
      expect(((await restored.json()) as Site).status).toBe('active')
    })
  }

  it('refuses a body that is not JSON with 415, and malformed JSON with 400, changing nothing', async () => {
    const agentId = await enrolledAgent()
    const path = `/v1/sites/${site.id}/agents/${agentId}/revoke`
    await expectError(
      await call(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'because' }),
      415,
      'unsupported_media_type',
    )
    const malformed = await call(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    })
    expect(malformed.status).toBe(400)
    await expectError(await call(path, { method: 'POST', json: { reason: 7 } }), 400, 'validation_failed')
    expect(await agentStatus(agentId)).toBe('approved')
  })

  it('still takes the optional fields when they are sent', async () => {
    const agentId = await enrolledAgent()
    const response = await call(`/v1/sites/${site.id}/agents/${agentId}/revoke`, {
      method: 'POST',
      json: { reason: 'decommissioned' },
    })
    expect(response.status).toBe(200)
    const log = (await (await call(`/v1/sites/${site.id}/events?type=io.sitewire.agent.revoked`)).json()) as {
      items: { data: { agent_id: string; reason?: string } }[]
    }
    expect(log.items.find((e) => e.data.agent_id === agentId)?.data.reason).toBe('decommissioned')
  })
})
