import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent, CreatedEnrolmentToken, EnrolmentToken } from '../../schema/api/agents'
import type { Site } from '../../schema/api/sites'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { until } from './agent-process'

const root = resolve(import.meta.dirname, '../..')

/** Runs `sh -c command` and resolves with its exit code and output. */
const shell = async (command: string, env: Record<string, string> = {}) => {
  const child = spawn('sh', ['-c', command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output }
}

/** The one-command install: the platform's script installs its own agent bundle, which enrols and comes online. */
describe('curl <platform>/install/agent.sh | sh', () => {
  let platform: RunningPlatform
  let dataDir: string
  let prefix: string
  let siteId: string
  let agent: ChildProcess | undefined

  const api = async <T>(path: string, json?: unknown) => {
    const response = await fetch(`${platform.url}${path}`, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    })
    return (await response.json()) as T
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-install-e2e-'))
    prefix = await mkdtemp(join(tmpdir(), 'sitewire-install-prefix-'))
    platform = await startPlatform({ dataDir, port: testPort(27) })
    siteId = (await api<Site>('/v1/sites', { name: 'Install' })).id
  })

  afterAll(async () => {
    agent?.kill('SIGINT')
    if (agent) await once(agent, 'exit')
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(prefix, { recursive: true, force: true })
  })

  it('serves the agent bundle the build made, and a script naming its SHA-256 and this platform', async () => {
    const bundle = await fetch(`${platform.url}/install/sitewire-agent.mjs`)
    expect(bundle.status).toBe(200)
    const bytes = Buffer.from(await bundle.arrayBuffer())
    expect(bytes.equals(await readFile(join(root, 'dist', 'agent', 'sitewire-agent.mjs')))).toBe(true)
    const script = await fetch(`${platform.url}/install/agent.sh`)
    expect(script.headers.get('content-type')).toMatch(/^text\/x-shellscript/)
    const text = await script.text()
    expect(text.startsWith('#!/bin/sh\n')).toBe(true)
    expect(text).toContain(`PLATFORM='${platform.url}'`)
    expect(text).toContain(`SHA256='${createHash('sha256').update(bytes).digest('hex')}'`)
  })

  it('installs under a prefix, enrols with a single-use token, and the agent comes online', async () => {
    const created = await api<CreatedEnrolmentToken>(`/v1/sites/${siteId}/enrolment-tokens`, {
      labels: { role: 'db' },
    })
    expect(created.max_uses).toBe(1)
    const stateDir = join(prefix, 'state')
    const install = await shell(
      `curl -fsSL ${platform.url}/install/agent.sh | sh -s -- --token "$TOKEN" --prefix "$PREFIX" --state-dir "$STATE" --label rack=r12 --no-service`,
      { TOKEN: created.token ?? '', PREFIX: prefix, STATE: stateDir },
    )
    expect(install.output).toContain(`installed ${prefix}/bin/sitewire-agent`)
    expect(install.output).toContain(
      `enrolled; start it with ${prefix}/bin/sitewire-agent run --state-dir ${stateDir}`,
    )
    expect(install.code).toBe(0)
    expect((await stat(join(prefix, 'bin', 'sitewire-agent'))).mode & 0o777).toBe(0o755)

    const tokens = await api<{ items: EnrolmentToken[] }>(`/v1/sites/${siteId}/enrolment-tokens`)
    expect(tokens.items[0]?.uses).toBe(1)

    agent = spawn(join(prefix, 'bin', 'sitewire-agent'), ['run', '--state-dir', stateDir], {
      stdio: 'ignore',
    })
    const online = await until('the installed agent online', async () => {
      const page = await api<{ items: Agent[] }>(`/v1/sites/${siteId}/agents?presence=online`)
      return page.items[0]
    })
    expect(online.labels).toEqual({ role: 'db', rack: 'r12' })

    const again = await shell(
      `curl -fsSL ${platform.url}/install/agent.sh | sh -s -- --token "$TOKEN" --prefix "$PREFIX/again" --no-service`,
      {
        TOKEN: created.token ?? '',
        PREFIX: prefix,
      },
    )
    expect(again.code).not.toBe(0)
  })

  it('refuses to install a bundle whose checksum does not match', async () => {
    const script = (await (await fetch(`${platform.url}/install/agent.sh`)).text()).replace(
      /SHA256='[0-9a-f]{64}'/,
      `SHA256='${'0'.repeat(64)}'`,
    )
    const target = join(prefix, 'tampered')
    const run = await shell(`printf '%s' "$SCRIPT" | sh -s -- --token t --prefix "$TARGET" --no-service`, {
      SCRIPT: script,
      TARGET: target,
    })
    expect(run.code).toBe(1)
    expect(run.output).toMatch(
      /checksum mismatch: expected 0{64}, downloaded [0-9a-f]{64}; nothing installed/,
    )
    await expect(stat(join(target, 'bin', 'sitewire-agent'))).rejects.toThrow()
  })
})
