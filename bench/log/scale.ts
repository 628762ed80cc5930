import { type LatencySummary, summarize } from '../lib/stats'
import type { EventFactory } from './bench-events'
import type { SitewireApi } from './sitewire-api'

export interface ScaleOptions {
  sites: number
  eventsPerSite: number
  concurrency: number
  /** A safety stop: a phase that runs past it reports what it did. */
  deadlineMs: number
}

export interface ScaleResult {
  sitesCreated: number
  eventsAppended: number
  seconds: number
  sitesPerSecond: number
  eventsPerSecond: number
  /** Create one site and append its batch, per site. */
  perSiteMs: LatencySummary
  errors: number
  firstError?: string
  stoppedByDeadline: boolean
  siteIds: string[]
}

/** Creates many sites, each with one batch of events, a fixed number of workers at a time. */
export const populateSites = async (
  api: SitewireApi,
  events: EventFactory,
  runId: string,
  options: ScaleOptions,
): Promise<ScaleResult> => {
  const started = performance.now()
  const deadline = started + options.deadlineMs
  const perSite: number[] = []
  const siteIds: string[] = []
  let next = 0
  let errors = 0
  let firstError: string | undefined
  let eventsAppended = 0

  const worker = async () => {
    while (next < options.sites && performance.now() < deadline) {
      const index = next
      next += 1
      const began = performance.now()
      try {
        const siteId = await api.createSite(`bench ${runId} ${index}`)
        siteIds.push(siteId)
        const ack = await api.appendBatch(siteId, events.batch(options.eventsPerSite))
        eventsAppended += ack.items.length
        perSite.push(performance.now() - began)
      } catch (error) {
        errors += 1
        firstError ??= (error as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))

  const seconds = (performance.now() - started) / 1000
  return {
    sitesCreated: siteIds.length,
    eventsAppended,
    seconds,
    sitesPerSecond: siteIds.length / seconds,
    eventsPerSecond: eventsAppended / seconds,
    perSiteMs: summarize(perSite),
    errors,
    ...(firstError ? { firstError } : {}),
    stoppedByDeadline: next < options.sites,
    siteIds,
  }
}

/** Polls every site's status until each one's projection has reached its head. */
export const waitForAllProjected = async (
  api: SitewireApi,
  siteIds: readonly string[],
  options: { concurrency: number; timeoutMs: number },
) => {
  const started = performance.now()
  let pending = [...siteIds]
  while (pending.length > 0 && performance.now() - started < options.timeoutMs) {
    const behind: string[] = []
    let index = 0
    const worker = async () => {
      while (index < pending.length) {
        const siteId = pending[index] as string
        index += 1
        const status = await api.status(siteId).catch(() => undefined)
        if (!status || (status.projected_seq ?? 0) < status.head_seq) behind.push(siteId)
      }
    }
    await Promise.all(Array.from({ length: options.concurrency }, worker))
    pending = behind
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  return { seconds: (performance.now() - started) / 1000, sitesBehind: pending.length }
}
