import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../schema/api/agents'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'

const root = resolve(import.meta.dirname, '../..')
const cli = ['--import', 'tsx', join(root, 'agent', 'cli.ts')]

/** A real `sitewire-agent` process and the JSON lines it logged. */
const runAgent = (args: string[]) => {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Record<string, unknown>[] = []
  let text = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      for (const line of chunk.toString().split('\n')) {
        try {
          if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>)
        } catch {
          // Not a log line (help text, say).
        }
      }
    })
  }
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, lines, exited, text: () => text }
}

const until = async <T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

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
