import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../schema/api/agents'
import type { RunDetail } from '../../schema/api/runs'
import type { LoggedEvent } from '../../schema/events'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgent, until } from './agent-process'

/**
 * Presence after a restart, as a user meets it: the platform stops, one agent stops while it
 * is down, the platform starts again. The stopped agent must not stay online, and no work may
 * be sent to it.
 */
describe('agent presence across a platform restart', () => {
  let dataDir: string
  const stateDirs: string[] = []
  let platform: RunningPlatform
  let key: string
  const port = testPort(7)
  const agents: ChildProcess[] = []

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-presence-e2e-'))
    platform = await startPlatform({ dataDir, port })
    key = platform.adminKey ?? ''
  }, 120_000)

  afterAll(async () => {
    for (const child of agents) child.kill('SIGKILL')
    await platform?.stop()
    for (const dir of [dataDir, ...stateDirs]) await rm(dir, { recursive: true, force: true })
  })

  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return (await response.json()) as T
  }

  const startAgent = async (siteId: string, token: string) => {
    const known = async () =>
      (await api<{ items: Agent[] }>(`/v1/sites/${siteId}/agents`)).items.map((agent) => agent.id)
    const before = await known()
    const stateDir = await mkdtemp(join(tmpdir(), 'sitewire-presence-agent-'))
    stateDirs.push(stateDir)
    expect(await runAgent(['enrol', token, '--state-dir', stateDir]).exited).toBe(0)
    const id = (await known()).find((agentId) => !before.includes(agentId))
    const agent = runAgent(['run', '--state-dir', stateDir])
    agents.push(agent.child)
    await until('the agent to connect', () =>
      agent.lines.some((line) => line.msg === 'connected') ? true : undefined,
    )
    return { ...agent, id: String(id) }
  }

  it('marks an agent that stopped while the platform was down offline, and sends work only to the live one', async () => {
    const site = await api<{ id: string }>('/v1/sites', {
      method: 'POST',
      body: JSON.stringify({ name: 'restart' }),
    })
    const { token } = await api<{ token: string }>(`/v1/sites/${site.id}/enrolment-tokens`, {
      method: 'POST',
      body: JSON.stringify({ max_uses: 2 }),
    })
    const live = await startAgent(site.id, token)
    const stopped = await startAgent(site.id, token)
    const presence = async (agentId: string) =>
      (await api<Agent>(`/v1/sites/${site.id}/agents/${agentId}`)).presence
    await until('both agents online', async () =>
      (await presence(live.id)) === 'online' && (await presence(stopped.id)) === 'online' ? true : undefined,
    )

    // Killed, so that no connection is closed in order and the record still says online.
    await platform.kill()
    stopped.child.kill('SIGTERM')
    await stopped.exited
    platform = await startPlatform({ dataDir, port })
    const restartedAt = Date.now()

    await until('the stopped agent offline', async () =>
      (await presence(stopped.id)) === 'offline' ? true : undefined,
    )
    expect(Date.now() - restartedAt).toBeLessThan(10_000)
    // The live agent comes back on its own reconnect schedule (backoff up to 60 s).
    await until(
      'the live agent online',
      async () => ((await presence(live.id)) === 'online' ? true : undefined),
      90_000,
    )

    const task = await api<{ id: string }>(`/v1/sites/${site.id}/tasks`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'hello',
        steps: [{ kind: 'script', interpreter: 'sh', body: 'echo hello' }],
      }),
    })
    const run = await api<{ id: string }>(`/v1/sites/${site.id}/tasks/${task.id}/runs`, {
      method: 'POST',
      body: JSON.stringify({ target: { agent_ids: [live.id, stopped.id] } }),
    })
    const detail = await until('the live agent to finish its step', async () => {
      const d = await api<RunDetail>(`/v1/sites/${site.id}/runs/${run.id}`)
      return d.agents.succeeded === 1 ? d : undefined
    })
    expect(detail.agents).toMatchObject({ succeeded: 1, waiting: 1 })
    const dispatched = await api<{ items: LoggedEvent[] }>(
      `/v1/sites/${site.id}/events?type=io.sitewire.step.dispatched`,
    )
    expect(dispatched.items.map((e) => (e.data as { agent_id: string }).agent_id)).toEqual([live.id])
    const lost = await api<{ items: LoggedEvent[] }>(
      `/v1/sites/${site.id}/events?type=io.sitewire.agent.disconnected`,
    )
    expect(lost.items.map((e) => e.data)).toContainEqual({ agent_id: stopped.id, reason: 'lost' })
  }, 240_000)
})
