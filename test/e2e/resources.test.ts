import type { ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Resource, StatusHistoryEntry } from '../../schema/api/resources'
import type { LoggedEvent } from '../../schema/events'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgent, until } from './agent-process'

/** A real agent keeps a File resource true, online and offline, against the platform as the README starts it. */
describe('resources end to end', () => {
  let dataDir: string
  let stateDir: string
  let hostDir: string
  let platform: RunningPlatform
  let key: string
  const port = testPort(33)
  const agents: ChildProcess[] = []

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-resources-e2e-'))
    stateDir = await mkdtemp(join(tmpdir(), 'sitewire-resources-agent-'))
    hostDir = await mkdtemp(join(tmpdir(), 'sitewire-resources-host-'))
    platform = await startPlatform({ dataDir, port })
    key = platform.adminKey ?? ''
  }, 120_000)

  afterAll(async () => {
    for (const child of agents) child.kill('SIGKILL')
    await platform?.stop()
    for (const dir of [dataDir, stateDir, hostDir]) await rm(dir, { recursive: true, force: true })
  })

  const api = async <T>(path: string, init: RequestInit & { json?: unknown } = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as T }
  }

  it('creates the file, reports Applied, repairs drift online and offline, reports each once, in order; and through maestro', async () => {
    const { body: site } = await api<{ id: string }>('/v1/sites', {
      method: 'POST',
      json: { name: 'resources' },
    })
    const { body: token } = await api<{ token: string }>(`/v1/sites/${site.id}/enrolment-tokens`, {
      method: 'POST',
      json: { labels: { consumer: 'cluster1' } },
    })
    expect(await runAgent(['enrol', token.token, '--state-dir', stateDir]).exited).toBe(0)
    const agent = runAgent(['run', '--state-dir', stateDir, '--resources-interval', '1'])
    agents.push(agent.child)
    await until('the agent to connect', () =>
      agent.lines.some((l) => l.msg === 'connected') ? true : undefined,
    )

    // The consumer as maestro's README makes it: its agents are those labelled consumer=cluster1.
    const consumer = await api<{ id: string }>('/api/maestro/v1/consumers', {
      method: 'POST',
      headers: { 'x-sitewire-site': site.id },
      json: { name: 'cluster1' },
    })
    expect(consumer.status).toBe(201)
    const path = join(hostDir, 'etc', 'motd')
    const created = await api<Resource>(`/v1/sites/${site.id}/resources`, {
      method: 'POST',
      json: {
        consumer_id: consumer.body.id,
        name: 'motd',
        manifest: { kind: 'File', path, content: 'managed by sitewire\n', mode: '0640' },
        update_strategy: 'Update',
        feedback_rules: [{ name: 'sha256', path: '.sha256' }],
      },
    })
    expect(created.status).toBe(201)
    const resourcePath = `/v1/sites/${site.id}/resources/${created.body.id}`

    await until('the file to appear', () => (existsSync(path) ? true : undefined))
    expect(readFileSync(path, 'utf8')).toBe('managed by sitewire\n')
    expect(statSync(path).mode & 0o777).toBe(0o640)
    const applied = await until('Applied=True to come back', async () => {
      const { body } = await api<Resource>(resourcePath)
      const status = body.status[0]
      return status?.conditions.some((c) => c.type === 'Applied' && c.status === 'True') ? status : undefined
    })
    expect(applied.observed_version).toBe(1)
    expect(applied.feedback.sha256).toMatch(/^[0-9a-f]{64}$/)

    const history = async () =>
      (await api<{ items: StatusHistoryEntry[] }>(`${resourcePath}/status-history?limit=100`)).body.items
    const repairs = async () =>
      (await history()).filter((entry) =>
        entry.conditions.some((c) => c.type === 'Applied' && c.reason === 'DriftRepaired'),
      )

    writeFileSync(path, 'changed by hand\n')
    await until('the agent to repair the file', () =>
      readFileSync(path, 'utf8') === 'managed by sitewire\n' ? true : undefined,
    )
    await until('the drift to be reported', async () => ((await repairs()).length === 1 ? true : undefined))

    // Cut off from the platform, the agent still repairs, and spools what it reports.
    await platform.kill()
    writeFileSync(path, 'changed offline\n')
    await until('the agent to repair the file offline', () =>
      readFileSync(path, 'utf8') === 'managed by sitewire\n' ? true : undefined,
    )
    chmodSync(path, 0o666)
    await until('the agent to repair the mode offline', () =>
      (statSync(path).mode & 0o777) === 0o640 ? true : undefined,
    )

    const connections = agent.lines.filter((l) => l.msg === 'connected').length
    platform = await startPlatform({ dataDir, port })
    await until(
      'the agent to reconnect',
      () => (agent.lines.filter((l) => l.msg === 'connected').length > connections ? true : undefined),
      90_000,
    )
    await until(
      'the offline repairs to arrive',
      async () => ((await repairs()).length === 3 ? true : undefined),
      60_000,
    )

    const reports = (
      await api<{ items: LoggedEvent[] }>(
        `/v1/sites/${site.id}/events?type=io.sitewire.resource.status_reported&limit=100`,
      )
    ).body.items.map((event) => (event.data as { report: number }).report)
    expect(reports).toEqual([1, 2, 3, 4])
    // Newest first, each drift once.
    expect((await history()).map((entry) => entry.seq)).toEqual(
      [...(await history()).map((entry) => entry.seq)].sort((a, b) => b - a),
    )

    // The same agent through the maestro-compatible API: applied, reported in maestro's shape, removed on delete.
    const maestro = <T>(path: string, init: RequestInit & { json?: unknown } = {}) =>
      api<T>(`/api/maestro/v1${path}`, { ...init, headers: { 'x-sitewire-site': site.id } })
    const issue = join(hostDir, 'etc', 'issue')
    const posted = await maestro<{ id: string }>('/resources', {
      method: 'POST',
      json: {
        consumer_name: 'cluster1',
        version: 1,
        manifest: { kind: 'File', path: issue, content: 'Sitewire\n' },
        update_strategy: { type: 'Update' },
        delete_option: { propagationPolicy: 'Foreground' },
      },
    })
    expect(posted.status).toBe(201)
    const reconciled = await until('maestro to show the resource applied', async () => {
      const { body } = await maestro<{
        status?: {
          ReconcileStatus: { ObservedVersion: number; Conditions: { type: string; status: string }[] }
        }
      }>(`/resources/${posted.body.id}`)
      const reconcile = body.status?.ReconcileStatus
      return reconcile?.Conditions.some((c) => c.type === 'Applied' && c.status === 'True')
        ? reconcile
        : undefined
    })
    expect(reconciled.ObservedVersion).toBe(1)
    expect(readFileSync(issue, 'utf8')).toBe('Sitewire\n')
    const deleted = await fetch(`${platform.url}/api/maestro/v1/resources/${posted.body.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}`, 'x-sitewire-site': site.id },
    })
    expect(deleted.status).toBe(204)
    await until('the agent to remove the file', () => (existsSync(issue) ? undefined : true))
    await until('the resource to be gone once the agent reported it removed', async () =>
      (await maestro(`/resources/${posted.body.id}`)).status === 404 ? true : undefined,
    )
  }, 300_000)

  it('keeps a File from a stored file: written byte for byte with its mode and owner, restored when changed', async () => {
    const { body: site } = await api<{ id: string }>('/v1/sites', {
      method: 'POST',
      json: { name: 'stored files' },
    })
    const { body: token } = await api<{ token: string }>(`/v1/sites/${site.id}/enrolment-tokens`, {
      method: 'POST',
      json: { labels: { consumer: 'web' } },
    })
    const agentState = await mkdtemp(join(tmpdir(), 'sitewire-resources-agent-files-'))
    expect(await runAgent(['enrol', token.token, '--state-dir', agentState]).exited).toBe(0)
    const agent = runAgent(['run', '--state-dir', agentState, '--resources-interval', '1'])
    agents.push(agent.child)
    await until('the agent to connect', () =>
      agent.lines.some((l) => l.msg === 'connected') ? true : undefined,
    )

    // Not text: every byte value, so nothing on the way may decode it.
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256))
    const upload = await fetch(`${platform.url}/v1/sites/${site.id}/files?name=blob.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    })
    expect(upload.status).toBe(201)
    const file = (await upload.json()) as { id: string }
    const consumer = await api<{ id: string }>(`/v1/sites/${site.id}/consumers`, {
      method: 'POST',
      json: { name: 'web' },
    })
    const asRoot = process.getuid?.() === 0
    const path = join(hostDir, 'srv', 'blob.bin')
    const created = await api<Resource>(`/v1/sites/${site.id}/resources`, {
      method: 'POST',
      json: {
        consumer_id: consumer.body.id,
        manifest: {
          kind: 'File',
          path,
          file_id: file.id,
          mode: '0600',
          ...(asRoot ? { owner: 'nobody', group: '65534' } : {}),
        },
        update_strategy: 'Update',
      },
    })
    expect(created.status).toBe(201)
    await until('the file to be written', () =>
      existsSync(path) && readFileSync(path).equals(bytes) ? true : undefined,
    )
    expect(statSync(path).mode & 0o777).toBe(0o600)
    if (asRoot) expect([statSync(path).uid, statSync(path).gid]).toEqual([65534, 65534])

    writeFileSync(path, 'changed by hand\n')
    await until('the agent to restore the stored bytes', () =>
      readFileSync(path).equals(bytes) ? true : undefined,
    )
    if (asRoot) expect(statSync(path).uid).toBe(65534)
    await rm(agentState, { recursive: true, force: true })
  }, 120_000)
})
