import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../schema/api/agents'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgent, until } from './agent-process'

/** Real agent processes against the platform started as the README starts it. */
describe('agents end to end', () => {
  let dataDir: string
  let stateDir: string
  let platform: RunningPlatform
  let key: string
  const port = testPort(3)
  const agents: ChildProcess[] = []

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-agents-e2e-'))
    stateDir = await mkdtemp(join(tmpdir(), 'sitewire-agent-state-'))
    platform = await startPlatform({ dataDir, port })
    key = platform.adminKey ?? ''
  }, 120_000)

  afterAll(async () => {
    for (const child of agents) child.kill('SIGKILL')
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(stateDir, { recursive: true, force: true })
  })

  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as T }
  }

  it('enrols, connects, reports its facts, comes back after the platform restarts, and stops when revoked', async () => {
    const { body: site } = await api<{ id: string }>('/v1/sites', {
      method: 'POST',
      body: JSON.stringify({ name: 'e2e' }),
    })
    const { body: token } = await api<{ token: string }>(`/v1/sites/${site.id}/enrolment-tokens`, {
      method: 'POST',
      body: JSON.stringify({ labels: { tier: 'web' } }),
    })

    const enrol = runAgent(['enrol', token.token, '--state-dir', stateDir])
    expect(await enrol.exited).toBe(0)
    const again = runAgent([
      'enrol',
      token.token,
      '--state-dir',
      await mkdtemp(join(tmpdir(), 'sitewire-agent-other-')),
    ])
    expect(await again.exited).not.toBe(0)

    const agent = runAgent(['run', '--state-dir', stateDir, '--facts-interval', '1'])
    agents.push(agent.child)
    await until('the agent to connect', () =>
      agent.lines.some((l) => l.msg === 'connected') ? true : undefined,
    )

    const shown = await until('facts to be projected', async () => {
      const { body } = await api<{ items: Agent[] }>(`/v1/agents?site_id=${site.id}&label=tier=web`)
      const found = body.items[0]
      return found?.presence === 'online' && found.facts.hostname ? found : undefined
    })
    expect(shown.facts.hostname).toBe(hostname())
    expect(shown.facts.os?.family).toBe('linux')
    expect(shown.facts.memory_bytes).toBeGreaterThan(0)
    expect(shown.status).toBe('approved')

    const connectionsBefore = agent.lines.filter((l) => l.msg === 'connected').length
    await platform.kill()
    platform = await startPlatform({ dataDir, port })
    await until(
      'the agent to reconnect by itself',
      () => (agent.lines.filter((l) => l.msg === 'connected').length > connectionsBefore ? true : undefined),
      90_000,
    )
    const online = await until('presence online again', async () => {
      const { body } = await api<Agent>(`/v1/sites/${site.id}/agents/${shown.id}`)
      return body.presence === 'online' ? body : undefined
    })
    expect(online.id).toBe(shown.id)

    const revoked = await api<Agent>(`/v1/sites/${site.id}/agents/${shown.id}/revoke`, {
      method: 'POST',
      body: '{}',
    })
    expect(revoked.status).toBe(200)
    expect(
      await until('the revoked agent to exit', async () => agent.child.exitCode ?? undefined, 90_000),
    ).toBe(3)
  }, 300_000)
})
