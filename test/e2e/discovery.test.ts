import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../schema/api/agents'
import type { Entity, EntityChange, Relation } from '../../schema/api/inventory'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgent, until } from './agent-process'
import { sitewire } from './cli-process'

/** A real agent process discovering its machine into a real platform's inventory. */
describe('inventory discovery from an agent, end to end', () => {
  let dataDir: string
  let stateDir: string
  let binDir: string
  let platform: RunningPlatform
  let key: string
  let listener: Server
  const children: ChildProcess[] = []

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-discovery-e2e-'))
    stateDir = await mkdtemp(join(tmpdir(), 'sitewire-discovery-agent-'))
    binDir = await mkdtemp(join(tmpdir(), 'sitewire-discovery-bin-'))
    platform = await startPlatform({ dataDir, port: testPort(41) })
    key = platform.adminKey ?? ''
  }, 120_000)

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL')
    listener?.close()
    await platform?.stop()
    for (const dir of [dataDir, stateDir, binDir]) await rm(dir, { recursive: true, force: true })
  })

  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as T }
  }

  /** A process the agent takes for Redis's server: Node under that name, listening on a port. */
  const startRedisLookalike = async () => {
    await symlink(process.execPath, join(binDir, 'redis-server'))
    const child = spawn(
      join(binDir, 'redis-server'),
      [
        '-e',
        "require('net').createServer().listen(0,'127.0.0.1',function(){console.log(this.address().port)})",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(child)
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer]
    return { child, port: Number(chunk.toString().trim()) }
  }

  it('creates the server, its database and applications, keeps what a person set, and notes what it no longer sees', async () => {
    const { body: site } = await api<{ id: string }>('/v1/sites', {
      method: 'POST',
      body: JSON.stringify({ name: 'discovery' }),
    })
    const { body: token } = await api<{ token: string }>(`/v1/sites/${site.id}/enrolment-tokens`, {
      method: 'POST',
      body: JSON.stringify({ labels: {} }),
    })
    expect(await runAgent(['enrol', token.token, '--state-dir', stateDir]).exited).toBe(0)

    listener = createServer()
    listener.listen(0, '127.0.0.1')
    await once(listener, 'listening')
    const redis = await startRedisLookalike()

    const agent = runAgent(['run', '--state-dir', stateDir, '--facts-interval', '1'])
    children.push(agent.child)
    const { body: agents } = await until('the agent to enrol', async () => {
      const found = await api<{ items: Agent[] }>(`/v1/sites/${site.id}/agents`)
      return found.body.items.length > 0 ? found : undefined
    })
    const agentId = agents.items[0]?.id
    const actor = `discovery:agent:${agentId}`
    const entities = async (kind: string) =>
      (await api<{ items: Entity[] }>(`/v1/sites/${site.id}/inventory/entities?kind=${kind}&limit=100`)).body
        .items

    const server = await until('the server to be discovered', async () => (await entities('server'))[0])
    expect(server.name).toBe(hostname())
    expect(server.created_by).toBe(actor)
    expect(server.attributes.hostname).toBe(hostname())
    expect(server.attributes.memory_mb).toBeGreaterThan(0)
    expect(server.attributes.services).toContain('redis')
    expect(server.field_sources['attributes.memory_mb']).toBe(actor)
    expect(server.last_seen_at).not.toBeNull()

    const database = await until('the database to be discovered', async () =>
      (await entities('database')).find((e) => e.name === `redis on ${hostname()}:${redis.port}`),
    )
    expect(database.attributes.engine).toBe('redis')
    const { body: relations } = await api<{ items: Relation[] }>(
      `/v1/sites/${site.id}/inventory/relations?entity_id=${database.id}`,
    )
    expect(relations.items.map((r) => [r.type, r.to_id, r.created_by])).toEqual([
      ['runs_on', server.id, actor],
    ])
    expect((await entities('application')).map((e) => e.name)).toContain(`node on ${hostname()}`)
    expect((await entities('service')).map((e) => e.name)).toContain('redis')

    // A person sets the memory; discovery must leave it.
    const patched = await api<Entity>(`/v1/sites/${site.id}/inventory/entities/${server.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ attributes: { memory_mb: 1 } }),
    })
    expect(patched.status).toBe(200)
    expect(patched.body.field_sources['attributes.memory_mb']).toMatch(/^(user|key)\//)

    // Redis stops: the next report updates the server's services and misses the database.
    redis.child.kill('SIGKILL')
    const observed = await until('a look that misses the database', async () => {
      const { body } = await api<{ items: { data: { missing: string[] } }[] }>(
        `/v1/sites/${site.id}/events?type=io.sitewire.discovery.observed&limit=1000`,
      )
      return body.items.find((event) => event.data.missing.includes(database.id))
    })
    expect(observed.data.missing).toContain(database.id)
    const after = (await api<Entity>(`/v1/sites/${site.id}/inventory/entities/${server.id}`)).body
    expect(after.attributes.services).not.toContain('redis')
    expect(after.attributes.memory_mb).toBe(1)
    expect(after.updated_by).toBe(actor)
    const { body: history } = await api<{ items: EntityChange[] }>(
      `/v1/sites/${site.id}/inventory/entities/${server.id}/history`,
    )
    expect(history.items.map((change) => change.actor === actor)).toEqual([true, false, true])
    // Still active and not stale: a source misses it only since a moment.
    const missed = (await api<Entity>(`/v1/sites/${site.id}/inventory/entities/${database.id}`)).body
    expect(missed).toMatchObject({ active: true, stale: false })

    // The site's staleness periods, through the CLI.
    const env = {
      XDG_CONFIG_HOME: join(binDir, 'config'),
      SITEWIRE_URL: platform.url,
      SITEWIRE_KEY: key,
      SITEWIRE_SITE: site.id,
    }
    const shown = await sitewire(['--json', 'inventory', 'discovery-settings'], { env })
    expect(JSON.parse(shown.stdout)).toEqual({ stale_after_days: 7, inactive_after_days: 30 })
    const set = await sitewire(
      ['--json', 'inventory', 'discovery-settings', '--stale-days', '3', '--inactive-days', '14'],
      {
        env,
      },
    )
    expect(set.code).toBe(0)
    expect(JSON.parse(set.stdout)).toEqual({ stale_after_days: 3, inactive_after_days: 14 })
    const refused = await sitewire(['inventory', 'discovery-settings', '--inactive-days', '2'], { env })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('inactive_after_days must be more than stale_after_days')
    expect((await api(`/v1/sites/${site.id}/inventory/discovery-settings`)).body).toEqual({
      stale_after_days: 3,
      inactive_after_days: 14,
    })
  })
})
