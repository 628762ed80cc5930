import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleNodeCli } from '../../local/bundle-node-cli'
import type { AgentBuild } from '../../schema/api/agent-builds'
import type { AgentRollout } from '../../schema/api/agent-rollouts'
import type { Agent } from '../../schema/api/agents'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgentBuild, until } from './agent-process'
import { sitewire } from './cli-process'

const V1 = '1.0.0-e2e'
const V2 = '2.0.0-e2e'
const BROKEN = '3.0.0-broken'
const HANGS = '3.1.0-hangs'

/**
 * Real agents, bundled as they are installed, upgraded over the air by rollouts against the
 * platform as the README starts it: builds are signed offline with the CLI.
 */
describe('agent upgrades end to end', () => {
  let dir: string
  let platform: RunningPlatform
  let key: string
  const port = testPort(47)
  const agents: ChildProcess[] = []
  const files = { v1: '', v2: '', broken: '', hangs: '', key: '', stranger: '' }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitewire-upgrades-e2e-'))
    for (const [name, version] of [
      ['v1', V1],
      ['v2', V2],
    ] as const) {
      files[name] = join(dir, `agent-${version}.mjs`)
      await bundleNodeCli({
        entry: 'agent/cli.ts',
        outfile: files[name],
        define: { SITEWIRE_AGENT_BUILD_VERSION: JSON.stringify(version) },
      })
    }
    files.broken = join(dir, 'broken.mjs')
    writeFileSync(files.broken, 'process.exit(7)\n')
    files.hangs = join(dir, 'hangs.mjs')
    writeFileSync(files.hangs, 'setInterval(() => {}, 1000)\n')
    files.key = join(dir, 'signing.key')
    files.stranger = join(dir, 'stranger.key')
    platform = await startPlatform({ dataDir: join(dir, 'data'), port })
    key = platform.adminKey ?? ''
  }, 180_000)

  afterAll(async () => {
    for (const child of agents) child.kill('SIGKILL')
    await platform?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const api = async <T>(path: string, init: RequestInit & { json?: unknown } = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as T }
  }

  /** Signs offline with the real CLI, as a release pipeline would. */
  const sign = async (file: string, version: string, keyFile: string) => {
    const signed = await sitewire([
      'agent-builds',
      'sign',
      file,
      '--build-version',
      version,
      '--key',
      keyFile,
    ])
    expect(signed.code, signed.stderr).toBe(0)
    return signed.stdout.trim()
  }

  const upload = async (file: string, version: string, signature: string) => {
    const response = await fetch(
      `${platform.url}/v1/agent-builds?version=${version}&signature=${signature}`,
      {
        method: 'POST',
        body: readFileSync(file),
        headers: { authorization: `Bearer ${key}` },
      },
    )
    expect(response.status).toBe(201)
    return (await response.json()) as AgentBuild
  }

  const finished = (siteId: string, rolloutId: string) =>
    until(
      'the rollout to finish',
      async () => {
        const { body } = await api<AgentRollout>(`/v1/sites/${siteId}/agent-rollouts/${rolloutId}`)
        return ['completed', 'halted', 'cancelled'].includes(body.status) ? body : undefined
      },
      120_000,
    )

  const versions = async (siteId: string) =>
    (await api<{ items: Agent[] }>(`/v1/sites/${siteId}/agents`)).body.items.map((agent) => agent.version)

  it('refuses a wrongly signed build, rolls a good one out in batches, rolls back a broken one and downgrades', async () => {
    // The tenant's key pair, made offline; only its public half goes to the platform.
    const made = await sitewire(['agent-builds', 'keygen', '-o', files.key])
    expect(made.code, made.stderr).toBe(0)
    expect((await sitewire(['agent-builds', 'keygen', '-o', files.stranger])).code).toBe(0)
    const publicKey = made.stdout.trim()
    const cli = { SITEWIRE_URL: platform.url, SITEWIRE_KEY: key, XDG_CONFIG_HOME: join(dir, 'config') }
    const setKey = await sitewire(['--json', 'agent-builds', 'set-key', '--key', files.key], { env: cli })
    expect(setKey.code, setKey.stderr).toBe(0)
    expect(JSON.parse(setKey.stdout)).toMatchObject({ public_key: publicKey, endorsement: null })

    const { body: site } = await api<{ id: string }>('/v1/sites', {
      method: 'POST',
      json: { name: 'upgrades' },
    })
    const { body: token } = await api<{ token: string }>(`/v1/sites/${site.id}/enrolment-tokens`, {
      method: 'POST',
      json: { max_uses: 3 },
    })
    const stateDirs: string[] = []
    const runs = []
    for (let i = 0; i < 3; i++) {
      const stateDir = join(dir, `agent-${i}`)
      stateDirs.push(stateDir)
      expect(await runAgentBuild(files.v1, ['enrol', token.token, '--state-dir', stateDir]).exited).toBe(0)
      // The agent trusts the tenant's key from its enrolment on.
      expect(JSON.parse(readFileSync(join(stateDir, 'signing-key.json'), 'utf8')).public_key).toBe(publicKey)
      const run = runAgentBuild(files.v1, ['run', '--state-dir', stateDir])
      agents.push(run.child)
      runs.push(run)
    }
    await until('three agents online', async () =>
      (await versions(site.id)).every((v) => v === V1) ? true : undefined,
    )
    expect(await versions(site.id)).toEqual([V1, V1, V1])

    // Signed by a stranger: the platform marks it, and each agent refuses it and says why.
    const forged = await upload(files.v2, V2, await sign(files.v2, V2, files.stranger))
    expect(forged.signature_status).toBe('invalid')
    const refused = await api<AgentRollout>(`/v1/sites/${site.id}/agent-rollouts`, {
      method: 'POST',
      json: {
        build_id: forged.id,
        batch_size: 3,
        failure_budget: 0,
        timeout_seconds: 60,
        allow_unverified: true,
      },
    })
    expect(refused.status).toBe(201)
    const halted = await finished(site.id, refused.body.id)
    expect(halted.status).toBe('halted')
    const reasons = halted.agents.filter((agent) => agent.state === 'failed').map((agent) => agent.reason)
    expect(reasons.length).toBeGreaterThan(0)
    for (const reason of reasons) expect(reason).toMatch(/signature is refused/)
    for (const stateDir of stateDirs) expect(existsSync(join(stateDir, 'builds', 'current.mjs'))).toBe(false)

    // Properly signed: two batches, each agent restarts on it and reports the new version.
    const good = await upload(files.v2, V2, await sign(files.v2, V2, files.key))
    expect(good.signature_status).toBe('valid')
    const rollout = await api<AgentRollout>(`/v1/sites/${site.id}/agent-rollouts`, {
      method: 'POST',
      json: { build_id: good.id, batch_size: 2, failure_budget: 0, timeout_seconds: 60 },
    })
    const completed = await finished(site.id, rollout.body.id)
    expect(completed).toMatchObject({ status: 'completed', batch: 2, counts: { upgraded: 3, failed: 0 } })
    expect(completed.agents.map((agent) => agent.batch)).toEqual([1, 1, 2])
    expect(await versions(site.id)).toEqual([V2, V2, V2])
    const v2sha = createHash('sha256').update(readFileSync(files.v2)).digest('hex')
    for (const stateDir of stateDirs)
      expect(
        createHash('sha256')
          .update(readFileSync(join(stateDir, 'builds', 'current.mjs')))
          .digest('hex'),
      ).toBe(v2sha)

    // A build that exits at start: the first agent rolls back to V2 and reports it; the rollout halts there.
    const broken = await upload(files.broken, BROKEN, await sign(files.broken, BROKEN, files.key))
    const bad = await api<AgentRollout>(`/v1/sites/${site.id}/agent-rollouts`, {
      method: 'POST',
      json: { build_id: broken.id, batch_size: 1, failure_budget: 0, timeout_seconds: 60 },
    })
    const stopped = await finished(site.id, bad.body.id)
    expect(stopped.status).toBe('halted')
    expect(stopped.counts).toEqual({ waiting: 2, upgrading: 0, upgraded: 0, failed: 1 })
    expect(stopped.agents[0]?.reason).toMatch(/exited \(7\) before it connected; rolled back to 2\.0\.0-e2e/)
    await until('the rolled back agent online again', async () =>
      (await versions(site.id)).every((v) => v === V2) ? true : undefined,
    )

    // A build that starts but never connects: past the timeout the agent rolls back on its own.
    const hangs = await upload(files.hangs, HANGS, await sign(files.hangs, HANGS, files.key))
    const late = await api<AgentRollout>(`/v1/sites/${site.id}/agent-rollouts`, {
      method: 'POST',
      json: { build_id: hangs.id, batch_size: 1, failure_budget: 0, timeout_seconds: 5 },
    })
    const timedOut = await finished(site.id, late.body.id)
    expect(timedOut.status).toBe('halted')
    expect(timedOut.agents[0]?.reason).toBe(`did not come back with version ${HANGS} within 5 s`)
    await until('the agent back on its previous build', async () =>
      (await versions(site.id)).every((v) => v === V2) ? true : undefined,
    )
    await until('the agent to have put its previous build back', () =>
      createHash('sha256')
        .update(readFileSync(join(stateDirs[0] as string, 'builds', 'current.mjs')))
        .digest('hex') === v2sha
        ? true
        : undefined,
    )

    // Downgrade: back to the first version, the same way, from the CLI.
    const inSite = { env: { ...cli, SITEWIRE_SITE: site.id } }
    const uploaded = await sitewire(
      ['--json', 'agent-builds', 'upload', files.v1, '--build-version', V1, '--key', files.key],
      inSite,
    )
    expect(uploaded.code, uploaded.stderr).toBe(0)
    const older = JSON.parse(uploaded.stdout) as AgentBuild
    expect(older).toMatchObject({ version: V1, signature_status: 'valid' })
    const started = await sitewire(
      ['--json', 'rollouts', 'start', older.id, '--batch-size', '3', '--timeout', '60'],
      inSite,
    )
    expect(started.code, started.stderr).toBe(0)
    const down = JSON.parse(started.stdout) as AgentRollout
    expect((await finished(site.id, down.id)).status).toBe('completed')
    expect(await versions(site.id)).toEqual([V1, V1, V1])
    const shown = await sitewire(['rollouts', 'show', down.id], inSite)
    expect(shown.stdout).toMatch(/completed/)
    expect(shown.stdout.match(/upgraded/g)).toHaveLength(3)
    // Each agent process kept running throughout, as its own supervisor.
    for (const run of runs) expect(run.child.exitCode).toBeNull()
  }, 300_000)
})
