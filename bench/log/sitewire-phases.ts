import { type GroupMemory, groupMemory } from '../lib/group-memory'
import { APPEND_SCENARIOS, type AppendRow, runAppendScenarios } from './append-scenarios'
import type { EventFactory } from './bench-events'
import type { BenchPlan } from './plan'
import { type Drain, waitForProjection } from './projection-drain'
import { type LagResult, measureProjectionLag } from './projection-lag'
import { populateSites, type ScaleResult, waitForAllProjected } from './scale'
import type { SitewireApi } from './sitewire-api'

export interface SitewireFigures {
  append: (AppendRow & { drain: Drain })[]
  lag: LagResult[]
  scale: Omit<ScaleResult, 'siteIds'> & {
    projection: { seconds: number; sitesBehind: number }
    memoryBefore: GroupMemory
    memoryAfter: GroupMemory
  }
}

/** Every measurement taken against a running platform, in an order where each starts idle. */
export const measureSitewire = async (
  api: SitewireApi,
  platformGroup: number,
  events: EventFactory,
  runId: string,
  plan: BenchPlan,
): Promise<SitewireFigures> => {
  const siteId = await api.createSite(`bench ${runId}`)
  const watch = { groups: [platformGroup] }

  console.error('sitewire: appends through the HTTP API')
  const append: SitewireFigures['append'] = []
  await runAppendScenarios(
    {
      system: 'sitewire',
      appendOne: () => api.appendEvent(siteId, events.next()),
      appendBatch: (size) => api.appendBatch(siteId, events.batch(size)),
      watch,
    },
    APPEND_SCENARIOS,
    plan.append,
    async (row) => {
      // The next scenario starts only once the projector has emptied this one's backlog.
      const drain = await waitForProjection(api, siteId, plan.drainTimeoutMs)
      console.error(`    projection backlog ${drain.backlog} events drained in ${drain.seconds.toFixed(1)} s`)
      append.push({ ...row, drain })
    },
  )

  const lag: LagResult[] = []
  for (const eventsPerRequest of plan.lagRequestSizes) {
    const shape = eventsPerRequest === 1 ? 'single events' : `batches of ${eventsPerRequest}`
    console.error(`sitewire: projection lag at ${plan.lag.eventsPerSecond} events/s as ${shape}`)
    const result = await measureProjectionLag(api, siteId, events, { ...plan.lag, eventsPerRequest })
    console.error(
      `  acked ${Math.round(result.ackedEventsPerSecond)} events/s; lag p50 ${result.lagMs.p50.toFixed(0)} ms, ` +
        `p99 ${result.lagMs.p99.toFixed(0)} ms, max ${result.lagMs.max.toFixed(0)} ms`,
    )
    lag.push(result)
    await waitForProjection(api, siteId, plan.drainTimeoutMs)
  }

  console.error(`sitewire: ${plan.scale.sites} sites × ${plan.scale.eventsPerSite} events`)
  const memoryBefore = groupMemory(platformGroup)
  const { siteIds, ...populated } = await populateSites(api, events, runId, plan.scale)
  const memoryAfter = groupMemory(platformGroup)
  console.error(
    `  ${populated.sitesCreated} sites in ${populated.seconds.toFixed(1)} s; platform RSS ${memoryAfter.totalMiB} MiB`,
  )
  const projection = await waitForAllProjected(api, siteIds, {
    concurrency: plan.scale.concurrency,
    timeoutMs: plan.drainTimeoutMs,
  })
  return { append, lag, scale: { ...populated, projection, memoryBefore, memoryAfter } }
}
