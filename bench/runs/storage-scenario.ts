import { forEachLimited } from '../agents/limited'
import { monotonicMs } from '../agents/messages'
import { type LatencySummary, summarize } from '../lib/stats'
import type { RunsPlan } from './plan'
import { createSite, type Platform } from './platform'
import { watchRun } from './run-watch'
import { SimAgents } from './sim-agents'
import { directoryBytes, measureSiteStorage, r2Dir, type SiteStorage } from './site-storage'
import { equivalentScript, printedBytes } from './step-output'

/** The site's storage after `runs` runs. */
export interface StorageCheckpoint {
  runs: number
  headSeq: number
  storage?: SiteStorage
  /** The local R2 bucket, where the archives go. */
  r2Bytes: number
}

export interface StorageScenario {
  runs: number
  completed: number
  failedRuns: number
  firstError?: string
  linesPerRun: number
  /** What all the runs printed: what the log would hold without pruning. */
  printedBytes: number
  seconds: number
  /** Request → archive seen, per run. */
  perRunMs: LatencySummary
  checkpoints: StorageCheckpoint[]
}

/**
 * Scenario C: many small runs of a one-step task on one simulated agent, a few at a time (the
 * task lets runs go alongside each other), each waited for until archived. The site's storage
 * is read before, along the way and after: output leaves the log when a run is archived, so
 * what stays per run is its run and step events, its rows and its previews.
 */
export const measureStorage = async (platform: Platform, plan: RunsPlan): Promise<StorageScenario> => {
  const { api, dataDir } = platform
  const { siteId, file } = await createSite(platform, 'bench runs: storage')
  const agent = new SimAgents('storage')
  try {
    const target = {
      url: platform.url,
      siteId,
      enrolmentToken: await api.createEnrolmentToken(siteId, 1),
      deflate: plan.deflate,
    }
    const enrolled = await agent.enrol(target, 1, 1, 30_000)
    const connected = await agent.connect(target, 1, 30_000)
    const agentId = enrolled.agentIds[0]
    if (!agentId || connected.ok !== 1)
      throw new Error(`the storage agent did not connect: ${enrolled.firstError ?? connected.firstError}`)
    const output = { lines: plan.storageLines, lineBytes: plan.lineBytes }
    agent.configure(output)
    const taskId = await api.createTask(siteId, {
      name: 'bench small',
      concurrency: 'allow',
      steps: [{ kind: 'script', name: 'print', body: equivalentScript(output) }],
    })

    const checkpoint = async (runs: number): Promise<StorageCheckpoint> => ({
      runs,
      headSeq: (await api.status(siteId)).head_seq,
      ...(file ? { storage: measureSiteStorage(file) } : {}),
      r2Bytes: directoryBytes(r2Dir(dataDir)),
    })
    const marks = [...new Set([Math.round(plan.runs / 10), Math.round(plan.runs / 2), plan.runs])].filter(
      (mark) => mark > 0,
    )
    const checkpoints = [await checkpoint(0)]
    const perRun: number[] = []
    let failed = 0
    let firstError: string | undefined
    console.error(`  ${plan.runs} runs of ${plan.storageLines} lines, ${plan.storageConcurrency} at a time`)
    const began = monotonicMs()
    // No run starts past this: a platform that stalls still lets the scenario end.
    const deadline = began + plan.runs * 2_000 + 120_000
    let done = 0
    for (const mark of marks) {
      await forEachLimited(mark - done, plan.storageConcurrency, deadline, monotonicMs, async () => {
        try {
          const requestedAtMs = monotonicMs()
          const run = await api.requestRun(siteId, taskId, { target: { agent_ids: [agentId] } })
          const watch = await watchRun({
            read: () => api.run(siteId, run.id),
            runId: run.id,
            requestedAtMs,
            pollEveryMs: plan.pollEveryMs,
            timeoutMs: plan.smallRunTimeoutMs,
          })
          if (watch.archivedMs === undefined || watch.status !== 'succeeded')
            throw new Error(`run ${run.id} ${watch.timedOut ? 'timed out' : 'ended'} as ${watch.status}`)
          perRun.push(watch.archivedMs)
        } catch (error) {
          failed += 1
          firstError ??= error instanceof Error ? error.message : String(error)
        }
      })
      done = mark
      checkpoints.push(await checkpoint(mark))
      console.error(`    ${mark} runs: head_seq ${checkpoints.at(-1)?.headSeq}`)
    }
    return {
      runs: plan.runs,
      completed: perRun.length,
      failedRuns: failed,
      ...(firstError ? { firstError } : {}),
      linesPerRun: plan.storageLines,
      printedBytes: printedBytes(output) * perRun.length,
      seconds: (monotonicMs() - began) / 1000,
      perRunMs: summarize(perRun),
      checkpoints,
    }
  } finally {
    agent.close()
  }
}
