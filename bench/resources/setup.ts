import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AgentProcesses, bundleAgent } from '../runs/agent-processes'
import type { Platform } from '../runs/platform'
import type { Placement } from './creates'
import type { ResourcesPlan } from './plan'
import { ResourcesApi } from './resources-api'
import { SimResourceAgents } from './sim-resource-agents'

/** Where an agent keeps the resources placed on it: real agents in a temp dir of their own, simulated ones nowhere. */
interface Holder {
  consumerId: string
  dir: string
  real: boolean
}

/** The site under load with its agents and consumers, and the site the peer appends to. */
export interface Setup {
  api: ResourcesApi
  siteId: string
  peerSiteId: string
  sim: SimResourceAgents
  real: AgentProcesses
  holders: Holder[]
  /** Resource i goes to holder i mod holders, so every agent gets its share. */
  placements: Placement[]
  setupSeconds: number
  cleanup(): Promise<void>
}

const waitOnline = async (platform: Platform, siteId: string, count: number, timeoutMs: number) => {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const online = await platform.api.countOnline(siteId)
    if (online >= count) return
    if (performance.now() > deadline) throw new Error(`${online} of ${count} agents online`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/**
 * One site; the simulated agents enrolled and connected, the real ones enrolled and started
 * with `--resources-interval`; one consumer per agent (by `agent_id`), so each resource goes
 * to exactly one agent. A second site takes the peer's plain appends.
 */
export const setUp = async (platform: Platform, plan: ResourcesPlan): Promise<Setup> => {
  const began = performance.now()
  const api = new ResourcesApi(platform.url, platform.adminKey)
  const siteId = await platform.api.createSite('resources')
  const peerSiteId = await platform.api.createSite('plain-appends')
  const bundleDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-resources-agent-'))
  const hostDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-resources-host-'))
  const real = new AgentProcesses(await bundleAgent(bundleDir))
  const sim = new SimResourceAgents()
  const cleanup = async () => {
    sim.close()
    await real.stop()
    for (const dir of [bundleDir, hostDir]) rmSync(dir, { recursive: true, force: true })
  }
  try {
    const token = await platform.api.createEnrolmentToken(siteId, plan.simAgents + plan.realAgents)
    const deadline = performance.now() + plan.connectTimeoutMs
    await sim.enrol(platform.url, token, plan.simAgents, 16, deadline)
    await sim.connect(platform.url, siteId, 64, deadline)
    await real.enrolAndStart(token, plan.realAgents, 30_000, [
      '--resources-interval',
      String(plan.resourcesIntervalSeconds),
    ])
    await waitOnline(platform, siteId, plan.simAgents + plan.realAgents, 60_000)
    const holders: Holder[] = []
    for (const [i, agent] of real.agents.entries())
      holders.push({
        consumerId: await api.createConsumer(siteId, `real-${i}`, agent.agentId),
        dir: join(hostDir, `real-${i}`),
        real: true,
      })
    for (const [i, agent] of sim.agents.entries())
      holders.push({
        consumerId: await api.createConsumer(siteId, `sim-${i}`, agent.agentId),
        dir: `/var/lib/bench/sim-${i}`,
        real: false,
      })
    const placements = Array.from({ length: plan.resources }, (_, i) => {
      const holder = holders[i % holders.length] as Holder
      return { consumerId: holder.consumerId, path: join(holder.dir, `resource-${i}.txt`) }
    })
    return {
      api,
      siteId,
      peerSiteId,
      sim,
      real,
      holders,
      placements,
      setupSeconds: (performance.now() - began) / 1000,
      cleanup,
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}
