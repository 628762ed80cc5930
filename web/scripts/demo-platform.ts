import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAgent } from '../../test/e2e/agent-process'
import { type RunningPlatform, startPlatform } from '../../test/platform-process'

type Json = Record<string, unknown>

/**
 * The platform started as `npm start` starts it, in a scratch data directory, with the admin
 * key's calls at hand: what the screenshots and the console bench fill with data.
 */
export const startDemoPlatform = async (port: number) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sitewire-demo-'))
  const platform: RunningPlatform = await startPlatform({ dataDir, port, timeoutMs: 180_000 })
  const key = platform.adminKey as string
  const agents: ReturnType<typeof runAgent>[] = []

  const call = async <T = Json>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> => {
    const response = await fetch(`${platform.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const answer = (await response.json().catch(() => null)) as T
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`)
    return answer
  }

  const enrolmentToken = async (siteId: string, labels: Record<string, string>, uses = 1) =>
    (
      await call<{ token: string }>('POST', `/v1/sites/${siteId}/enrolment-tokens`, {
        labels,
        max_uses: uses,
      })
    ).token

  /** A real `sitewire-agent` process, enrolled and connected. */
  const startAgent = async (siteId: string, labels: Record<string, string>) => {
    const stateDir = join(dataDir, `agent-${agents.length}`)
    const enrol = runAgent(['enrol', await enrolmentToken(siteId, labels), '--state-dir', stateDir])
    if ((await enrol.exited) !== 0) throw new Error(`enrol failed: ${enrol.text()}`)
    agents.push(runAgent(['run', '--state-dir', stateDir, '--facts-interval', '30']))
  }

  /** Agents registered through the enrolment API with keys of their own, never connected. */
  const enrolOffline = async (
    siteId: string,
    hostnames: string[],
    labels: (i: number) => Record<string, string>,
    concurrency = 16,
  ) => {
    const token = await enrolmentToken(siteId, {}, hostnames.length)
    let next = 0
    const worker = async () => {
      for (let i = next++; i < hostnames.length; i = next++) {
        const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x
        const enrolled = await call<{ agent_id: string }>('POST', '/v1/agents/enrol', {
          token,
          public_key: publicKey,
          hostname: hostnames[i],
          labels: labels(i),
        })
        if (!enrolled.agent_id) throw new Error('enrol answered no agent id')
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }

  /** Waits until `check` answers something, polling every 250 ms. */
  const until = async <T>(what: string, check: () => Promise<T | undefined>, ms = 120_000): Promise<T> => {
    const deadline = Date.now() + ms
    for (;;) {
      const value = await check()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  const stop = async () => {
    for (const agent of agents) agent.child.kill('SIGTERM')
    await Promise.all(agents.map((agent) => agent.exited))
    await platform.stop()
    await rm(dataDir, { recursive: true, force: true })
  }

  return { platform, call, startAgent, enrolOffline, until, stop, adminEmail: 'admin@localhost' }
}

export type DemoPlatform = Awaited<ReturnType<typeof startDemoPlatform>>
