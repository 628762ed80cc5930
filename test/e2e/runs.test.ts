import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Run, RunDetail } from '../../schema/api/runs'
import type { Task } from '../../schema/api/tasks'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgent, until } from './agent-process'

const root = resolve(import.meta.dirname, '../..')

/** The file under `dir` holding exactly `content`: where the local R2 keeps an object's bytes. */
const findFileWithContent = (dir: string, content: Buffer): string => {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    if (statSync(path).size === content.length && readFileSync(path).equals(content)) return path
  }
  throw new Error(`no file under ${dir} holds the uploaded content`)
}
const SECRET = 'hunter2-s3cret-value'

/** Tasks run by real agent processes running real scripts, against the platform as the README starts it. */
describe('runs end to end', () => {
  let dataDir: string
  let platform: RunningPlatform
  let key: string
  let siteId: string
  const port = testPort(9)
  const stateDirs: string[] = []
  const agents: { id: string; stateDir: string; process: ChildProcess }[] = []

  const api = async <T>(path: string, init: RequestInit & { json?: unknown } = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as T }
  }

  const startAgent = (stateDir: string) => runAgent(['run', '--state-dir', stateDir]).child

  const task = async (json: Record<string, unknown>) => {
    const created = await api<Task>(`/v1/sites/${siteId}/tasks`, { method: 'POST', json })
    expect(created.status).toBe(201)
    return created.body
  }

  const run = async (taskId: string, json: Record<string, unknown> = {}) => {
    const requested = await api<Run>(`/v1/sites/${siteId}/tasks/${taskId}/runs`, {
      method: 'POST',
      json: { target: { labels: { role: 'web' } }, ...json },
    })
    expect(requested.status).toBe(202)
    return requested.body
  }

  const detail = async (runId: string) => (await api<RunDetail>(`/v1/sites/${siteId}/runs/${runId}`)).body

  const finished = (runId: string, ms = 60_000) =>
    until(
      `run ${runId} to finish`,
      async () => {
        const current = await detail(runId)
        return ['succeeded', 'failed', 'cancelled'].includes(current.status) ? current : undefined
      },
      ms,
    )

  const texts = (lines: { stream: string; text: string }[]) => lines.map((l) => `${l.stream}:${l.text}`)

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-runs-e2e-'))
    platform = await startPlatform({ dataDir, port })
    key = platform.adminKey ?? ''
    siteId = (await api<{ id: string }>('/v1/sites', { method: 'POST', json: { name: 'runs e2e' } })).body.id
    const { body: token } = await api<{ token: string }>(`/v1/sites/${siteId}/enrolment-tokens`, {
      method: 'POST',
      json: { max_uses: 2, labels: { role: 'web' } },
    })
    for (let i = 0; i < 2; i++) {
      const stateDir = await mkdtemp(join(tmpdir(), 'sitewire-runs-agent-'))
      stateDirs.push(stateDir)
      expect(await runAgent(['enrol', token.token, '--state-dir', stateDir]).exited).toBe(0)
      // The secret is read from stdin, so it never shows in the process list.
      const setSecret = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'agent', 'cli.ts'),
          'secrets',
          'set',
          'DB_PASSWORD',
          '--state-dir',
          stateDir,
        ],
        { cwd: root, stdio: ['pipe', 'ignore', 'inherit'] },
      )
      setSecret.stdin.end(SECRET)
      expect((await once(setSecret, 'exit'))[0]).toBe(0)
      const identity = JSON.parse(readFileSync(join(stateDir, 'identity.json'), 'utf8')) as {
        agent_id: string
      }
      agents.push({ id: identity.agent_id, stateDir, process: startAgent(stateDir) })
    }
    await until('both agents online', async () => {
      const { body } = await api<{ items: unknown[] }>(`/v1/sites/${siteId}/agents?presence=online`)
      return body.items.length === 2 ? true : undefined
    })
  }, 180_000)

  afterAll(async () => {
    for (const agent of agents) agent.process.kill('SIGKILL')
    await platform?.kill()
    await rm(dataDir, { recursive: true, force: true })
    for (const dir of stateDirs) await rm(dir, { recursive: true, force: true })
  })

  it('runs scripts: exit codes, stdout and stderr in order, environment, parameters, secrets masked', async () => {
    const created = await task({
      name: 'diagnose',
      params: [{ name: 'who', type: 'string', required: true }],
      steps: [
        {
          kind: 'script',
          name: 'greet',
          interpreter: 'bash',
          env: { GREETING: 'hello {{ params.who }}' },
          body: 'echo "$GREETING"\necho oops >&2\necho "pw={{ secrets.DB_PASSWORD }}"\necho "cwd=$(pwd)"',
          cwd: '/tmp',
        },
        {
          kind: 'script',
          name: 'python',
          interpreter: 'python3',
          body: 'import sys\nprint("py", sys.argv[1])\nsys.exit(4)',
          args: ['x'],
        },
      ],
    })
    const done = await finished((await run(created.id, { params: { who: 'ops' } })).id)
    expect(done.status).toBe('failed')
    expect(done.agents).toMatchObject({ succeeded: 0, failed: 2 })
    for (const agent of agents) {
      const greet = done.steps.find((s) => s.agent_id === agent.id && s.index === 0)
      expect(greet).toMatchObject({ outcome: 'succeeded', exit_code: 0, lines: 4 })
      // Each stream keeps its order; between streams, lines are ordered by when they were read.
      const head = texts(greet?.head ?? [])
      expect(head.filter((l) => l.startsWith('stdout:'))).toEqual([
        'stdout:hello ops',
        'stdout:pw=***',
        'stdout:cwd=/tmp',
      ])
      expect(head.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:oops'])
      const python = done.steps.find((s) => s.agent_id === agent.id && s.index === 1)
      expect(python).toMatchObject({ outcome: 'failed', exit_code: 4 })
      expect(texts(python?.head ?? [])).toEqual(['stdout:py x'])
    }
    const everything = await fetch(`${platform.url}/v1/sites/${siteId}/events?limit=1000`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(await everything.text()).not.toContain(SECRET)
  })

  it('kills a step at its timeout, and a cancelled run’s processes', async () => {
    const slow = await task({
      name: 'slow',
      steps: [{ kind: 'script', body: 'sleep 31.5', timeout_seconds: 1 }],
    })
    const timedOut = await finished((await run(slow.id)).id)
    expect(timedOut.steps.map((s) => s.outcome)).toEqual(['timed_out', 'timed_out'])
    expect(timedOut.status).toBe('failed')

    const stuck = await task({ name: 'stuck', steps: [{ kind: 'script', body: 'sleep 32.5' }] })
    const requested = await run(stuck.id)
    await until('the steps to start', async () => {
      const current = await detail(requested.id)
      return current.steps.filter((s) => s.started_at).length === 2 ? true : undefined
    })
    expect((await api(`/v1/sites/${siteId}/runs/${requested.id}/cancel`, { method: 'POST' })).status).toBe(
      202,
    )
    const cancelled = await finished(requested.id)
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.steps.map((s) => s.outcome)).toEqual(['cancelled', 'cancelled'])
    expect(() => execFileSync('pgrep', ['-f', 'sleep 3[12].5'])).toThrow()
  })

  it('retries a failed step after its backoff', async () => {
    const marker = join(tmpdir(), `sitewire-retry-${Date.now()}`)
    const flaky = await task({
      name: 'flaky',
      steps: [
        {
          kind: 'script',
          body: `if [ -e "${marker}" ]; then echo second; else touch "${marker}"; echo first; exit 1; fi`,
          retries: { max: 2, backoff_seconds: 1 },
        },
      ],
    })
    const done = await finished((await run(flaky.id, { target: { agent_ids: [agents[0]?.id] } })).id)
    expect(done.status).toBe('succeeded')
    expect(done.steps.map((s) => [s.attempt, s.outcome, s.head[0]?.text])).toEqual([
      [1, 'failed', 'first'],
      [2, 'succeeded', 'second'],
    ])
  })

  it('keeps every line, once and in order, when the platform is killed mid-run and restarted', async () => {
    const counting = await task({
      name: 'count',
      steps: [{ kind: 'script', body: 'for i in $(seq 1 40); do echo "line $i"; sleep 0.1; done' }],
    })
    const requested = await run(counting.id)
    await until('output to flow', async () => {
      const current = await detail(requested.id)
      return current.steps.some((s) => s.lines > 0) ? true : undefined
    })
    await platform.kill()
    await new Promise((r) => setTimeout(r, 1500))
    platform = await startPlatform({ dataDir, port })
    const done = await finished(requested.id, 90_000)
    expect(done.status).toBe('succeeded')
    const expected = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`)
    for (const step of done.steps) {
      expect(step.lines).toBe(40)
      expect(step.head.map((l) => l.text)).toEqual(expected.slice(0, 20))
      expect(step.tail.map((l) => l.text)).toEqual(expected.slice(20))
    }

    // The archive, downloaded and untarred as a user would, holds every line once, in order.
    await until('the archive', async () => ((await detail(requested.id)).archive ? true : undefined))
    const download = await fetch(`${platform.url}/v1/sites/${siteId}/runs/${requested.id}/archive`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(download.status).toBe(200)
    const unpacked = await mkdtemp(join(tmpdir(), 'sitewire-archive-'))
    stateDirs.push(unpacked)
    writeFileSync(join(unpacked, 'run.tar.gz'), Buffer.from(await download.arrayBuffer()))
    execFileSync('tar', ['-xzf', 'run.tar.gz'], { cwd: unpacked })
    for (const agent of agents) {
      const [folder] = readdirSync(join(unpacked, agent.id))
      const log = readFileSync(join(unpacked, agent.id, folder ?? '', 'attempt-1.log'), 'utf8')
      expect(
        log
          .trimEnd()
          .split('\n')
          .map((line) => line.replace(/^\S+ stdout /, '')),
      ).toEqual(expected)
    }
    const manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as { run_id: string }
    expect(manifest.run_id).toBe(requested.id)
  })

  it('pushes a file checked by its SHA-256, and refuses one corrupted at rest', async () => {
    const [agent] = agents as [(typeof agents)[0]]
    const content = randomBytes(64 * 1024)
    const uploaded = await fetch(`${platform.url}/v1/sites/${siteId}/files?name=app.conf`, {
      method: 'POST',
      body: content,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
    })
    expect(uploaded.status).toBe(201)
    const file = (await uploaded.json()) as { id: string; sha256: string }
    expect(file.sha256).toBe(createHash('sha256').update(content).digest('hex'))
    const folder = await mkdtemp(join(tmpdir(), 'sitewire-push-'))
    stateDirs.push(folder)
    const push = (path: string) =>
      task({
        name: 'push',
        steps: [{ kind: 'file', direction: 'push', file_id: file.id, path, mode: '0640' }],
      })

    const good = await finished(
      (await run((await push(join(folder, 'app.conf'))).id, { target: { agent_ids: [agent.id] } })).id,
    )
    expect(good.status).toBe('succeeded')
    expect(readFileSync(join(folder, 'app.conf')).equals(content)).toBe(true)
    expect(statSync(join(folder, 'app.conf')).mode & 0o777).toBe(0o640)

    // The stored bytes change under the platform: the agent sees the mismatch and writes nothing.
    const blob = findFileWithContent(join(dataDir, 'workerd'), content)
    writeFileSync(blob, randomBytes(content.length))
    const bad = await finished(
      (await run((await push(join(folder, 'other.conf'))).id, { target: { agent_ids: [agent.id] } })).id,
    )
    expect(bad.status).toBe('failed')
    expect(bad.steps[0]).toMatchObject({ outcome: 'failed' })
    expect(bad.steps[0]?.message).toMatch(
      /^checksum mismatch: expected 65536 bytes with SHA-256 [0-9a-f]{64}, got 65536 bytes/,
    )
    expect(existsSync(join(folder, 'other.conf'))).toBe(false)
  })

  it('answers a step in flight when its agent was killed, and its retry runs on the restarted agent', async () => {
    const [agent] = agents as [(typeof agents)[0]]
    const long = await task({
      name: 'long',
      steps: [{ kind: 'script', body: 'sleep 2; echo done', retries: { max: 1, backoff_seconds: 1 } }],
    })
    const requested = await run(long.id, { target: { agent_ids: [agent.id] } })
    await until('the step to start', async () =>
      (await detail(requested.id)).steps[0]?.started_at ? true : undefined,
    )
    agent.process.kill('SIGKILL')
    agent.process = startAgent(agent.stateDir)
    const done = await finished(requested.id)
    expect(done.status).toBe('succeeded')
    expect(done.steps.map((s) => [s.attempt, s.outcome])).toEqual([
      [1, 'error'],
      [2, 'succeeded'],
    ])
    expect(done.steps[0]?.message).toMatch(/restarted/)
  })
})
