import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Enrolled } from '../../schema/agent/protocol'
import type { Agent, CreatedEnrolmentToken } from '../../schema/api/agents'
import type { RunDetail } from '../../schema/api/runs'
import type { Site, SiteStatus } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import { newAgent, open } from '../../test/worker-agents'
import { connectAgent, type StepMessage, script } from '../../test/worker-runs'
import { type Client, createSite, eventually, newTenant } from '../../test/worker-support'
import type { SiteObject } from '../site-object/site-object'

let call: Client

beforeAll(async () => {
  call = (await newTenant()).client
})

const tokenFor = async (site: Site, uses: number) =>
  (
    (await (
      await call(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: uses } })
    ).json()) as CreatedEnrolmentToken & { token: string }
  ).token

const agentOf = async (site: Site, agentId: string) =>
  (await (await call(`/v1/sites/${site.id}/agents/${agentId}`)).json()) as Agent

describe('agent presence and work', () => {
  it('sends work only to connected agents; one that connects later gets its step then', async () => {
    const site = await createSite(call, 'presence')
    const token = await tokenFor(site, 2)
    const online = await connectAgent(site, token)
    const later = await newAgent()
    const { agent_id: laterId } = (await (await later.enrol(token)).json()) as Enrolled
    const task = (await (
      await call(`/v1/sites/${site.id}/tasks`, {
        method: 'POST',
        json: { name: 'both', steps: [script('true')] },
      })
    ).json()) as { id: string }
    const run = (await (
      await call(`/v1/sites/${site.id}/tasks/${task.id}/runs`, {
        method: 'POST',
        json: { target: { agent_ids: [online.agentId, laterId] } },
      })
    ).json()) as { id: string }
    await online.nextStep(1)
    const detail = (await (await call(`/v1/sites/${site.id}/runs/${run.id}`)).json()) as RunDetail
    expect(detail.agents).toMatchObject({ running: 1, waiting: 1 })
    const dispatched = (await (
      await call(`/v1/sites/${site.id}/events?type=io.sitewire.step.dispatched`)
    ).json()) as { items: LoggedEvent[] }
    expect(dispatched.items.map((e) => (e.data as { agent_id: string }).agent_id)).toEqual([online.agentId])

    const conn = await open(await later.connect(laterId, site.id))
    const step = (await conn.next((m) => typeof m !== 'string' && m.type === 'step')) as StepMessage
    expect(step).toMatchObject({ run_id: run.id, index: 0, attempt: 1 })
    conn.socket.close()
    online.conn.socket.close()
  })

  it('records offline, on the alarm, an agent recorded online that has no connection', async () => {
    const site = await createSite(call, 'reconcile')
    const token = await tokenFor(site, 2)
    const connected = await connectAgent(site, token)
    const gone = await newAgent()
    const { agent_id: goneId } = (await (await gone.enrol(token)).json()) as Enrolled
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    // As a restart leaves it: the record says online, the runtime holds no connection.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE agents SET presence = 'online' WHERE id = ?", goneId)
    })
    expect((await agentOf(site, goneId)).presence).toBe('online')
    await runDurableObjectAlarm(stub)
    expect((await agentOf(site, goneId)).presence).toBe('offline')
    expect((await agentOf(site, connected.agentId)).presence).toBe('online')
    const events = (await (
      await call(`/v1/sites/${site.id}/events?type=io.sitewire.agent.disconnected`)
    ).json()) as { items: LoggedEvent[] }
    expect(events.items.map((e) => e.data)).toEqual([{ agent_id: goneId, reason: 'lost' }])
    await runDurableObjectAlarm(stub)
    const again = (await (
      await call(`/v1/sites/${site.id}/events?type=io.sitewire.agent.disconnected`)
    ).json()) as { items: LoggedEvent[] }
    expect(again.items).toHaveLength(1)
    connected.conn.socket.close()
  })

  it('runs every part of the alarm though one throws, and comes back for it', async () => {
    const site = await createSite(call, 'isolated')
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    await runInDurableObject(stub, async (instance: SiteObject, state) => {
      const { parts } = instance as unknown as { parts: { runs: { due: () => number; work: () => void } } }
      parts.runs.due = () => 0
      parts.runs.work = () => {
        throw new Error('runs broke')
      }
      await state.storage.deleteAlarm()
      await instance.alarm()
      expect(await state.storage.getAlarm()).not.toBeNull()
    })
    const status = await eventually(async () => {
      const s = (await (await call(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
      return s.projected_seq === s.head_seq ? s : undefined
    })
    expect(status.projector.state).toBe('idle')
  })
})
