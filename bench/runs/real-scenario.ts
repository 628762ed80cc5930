import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monotonicMs } from '../agents/messages'
import { onInterrupt } from '../lib/cleanup'
import type { CpuUse } from '../lib/cpu-meter'
import { type GroupMemory, groupMemory } from '../lib/group-memory'
import { sampleProcess } from '../lib/process-group'
import { AgentProcesses, bundleAgent } from './agent-processes'
import { meterCpu } from './cpu'
import { mbPerSecond } from './fan-out'
import type { RunsPlan } from './plan'
import { createSite, type Platform } from './platform'
import { type RunWatch, watchRun } from './run-watch'
import { type RunTimeline, readTimeline } from './timeline'

export interface RealScenario {
  agents: number
  /** The script each agent ran, and what it printed in all (as the platform counted it, plus a newline per line). */
  script: string
  printedBytes: number
  lines: number
  /** From starting the processes to every agent listed online. */
  onlineMs: number
  runId: string
  watch: RunWatch
  timeline?: RunTimeline
  /** Printed bytes ÷ (request → archive seen). */
  archivedMBps?: number
  /** Printed bytes ÷ (request → run seen finished). */
  finishedMBps?: number
  memory: { platformPeak?: GroupMemory; platformAfter: GroupMemory; agentsMiB: number }
  cpu: CpuUse
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Scenario B: real `sitewire-agent` processes on this machine, each with its own state dir,
 * run a one-step script that prints `seq 1 N`. The agents really run it: a shell, a pipe,
 * the line reader, the chunker, the on-disk spool (fsync'd) and the acknowledged outbox.
 */
export const measureReal = async (platform: Platform, plan: RunsPlan): Promise<RealScenario> => {
  const { api, group } = platform
  const { siteId } = await createSite(platform, `bench runs: ${plan.realAgents} real agents`)
  const token = await api.createEnrolmentToken(siteId, plan.realAgents)
  const bundleDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-agent-bundle-'))
  const agents = new AgentProcesses(await bundleAgent(bundleDir))
  const stop = onInterrupt(async () => {
    await agents.stop()
    rmSync(bundleDir, { recursive: true, force: true })
  })
  try {
    console.error(`  enrolling and starting ${plan.realAgents} sitewire-agent processes`)
    const startedAt = monotonicMs()
    await agents.enrolAndStart(token, plan.realAgents, 60_000)
    const onlineBy = startedAt + 60_000
    while ((await api.countOnline(siteId)) < plan.realAgents) {
      if (monotonicMs() > onlineBy) {
        const tail = agents.agents[0]?.tail.join('\n') ?? ''
        throw new Error(
          `the ${plan.realAgents} agents were not all online within 60 s; an agent logged:\n${tail}`,
        )
      }
      await sleep(200)
    }
    const onlineMs = monotonicMs() - startedAt
    // Facts reports and connection events of a fresh agent settle first, so the run has the site to itself.
    await sleep(2_000)

    const script = `seq 1 ${plan.realLines}`
    const taskId = await api.createTask(siteId, {
      name: 'bench seq',
      steps: [{ kind: 'script', name: 'seq', body: script }],
    })
    const headBefore = (await api.status(siteId)).head_seq
    const cpu = meterCpu({ groups: [group], pids: agents.pids }, 'sitewire-agent processes (node)')
    console.error(`  run "${script}" on ${plan.realAgents} agents`)
    const requestedAtMs = monotonicMs()
    const run = await api.requestRun(siteId, taskId, {
      target: { agent_ids: agents.agents.map((agent) => agent.agentId) },
      strategy: { mode: 'parallel', concurrency: plan.realAgents },
      deadline_seconds: Math.ceil(plan.runTimeoutMs / 1000) + 60,
    })
    const watch = await watchRun({
      read: () => api.latestRun(siteId, taskId),
      runId: run.id,
      requestedAtMs,
      pollEveryMs: plan.pollEveryMs,
      timeoutMs: plan.runTimeoutMs,
      group,
    })
    const cpuUse = cpu()
    const agentsMiB = agents.pids.reduce((total, pid) => total + (sampleProcess(pid)?.rssKiB ?? 0) / 1024, 0)
    const platformAfter = groupMemory(group)
    const timeline = await readTimeline(api, siteId, run.id, headBefore).catch(() => undefined)
    const detail = await api.run(siteId, run.id)
    const lines = detail.steps.reduce((total, step) => total + step.lines, 0)
    // The platform counts each line's text; what `seq` printed also had a newline per line.
    const printedBytes = detail.steps.reduce((total, step) => total + step.bytes, 0) + lines
    const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(2)} s`)
    console.error(
      `    run ${watch.status} seen after ${seconds(watch.finishedMs)}, archived after ${seconds(watch.archivedMs)} ` +
        `(${(printedBytes / 1e6).toFixed(1)} MB, ${lines} lines)`,
    )
    return {
      agents: plan.realAgents,
      script,
      printedBytes,
      lines,
      onlineMs,
      runId: run.id,
      watch,
      ...(timeline ? { timeline } : {}),
      archivedMBps: mbPerSecond(printedBytes, watch.archivedMs),
      finishedMBps: mbPerSecond(printedBytes, watch.finishedMs),
      memory: {
        ...(watch.peakMemory ? { platformPeak: watch.peakMemory } : {}),
        platformAfter,
        agentsMiB: Number(agentsMiB.toFixed(1)),
      },
      cpu: cpuUse,
    }
  } finally {
    await stop()
  }
}
