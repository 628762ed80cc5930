import { type LatencySummary, summarize } from '../lib/stats'
import type { EventFactory } from './bench-events'
import type { AppendAck, SitewireApi } from './sitewire-api'

export interface LagOptions {
  eventsPerSecond: number
  /** 1 sends single events; more sends each tick's events as batches of this size. */
  eventsPerRequest: number
  tickMs: number
  durationMs: number
  pollMs: number
  drainTimeoutMs: number
}

export interface LagResult {
  offeredEventsPerSecond: number
  eventsPerRequest: number
  ackedEvents: number
  ackedEventsPerSecond: number
  /** Append acknowledgement latency while under this load. */
  ackLatencyMs: LatencySummary
  /** Acknowledged → visible in the projection (libSQL), per event. */
  lagMs: LatencySummary
  neverProjected: number
  errors: number
  firstError?: string
  pollMs: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * Offers events at a steady rate (open loop: sending never waits for answers), and
 * polls the site's status to see when `projected_seq` first covers each acknowledged seq.
 * The lag is measured to within one poll interval plus one status round trip.
 */
export const measureProjectionLag = async (
  api: SitewireApi,
  siteId: string,
  events: EventFactory,
  options: LagOptions,
): Promise<LagResult> => {
  const ackedAt = new Map<number, number>()
  const visibleAt = new Map<number, number>()
  const ackLatencies: number[] = []
  const inFlight = new Set<Promise<void>>()
  let errors = 0
  let firstError: string | undefined
  let projected = (await api.status(siteId)).projected_seq ?? 0
  let lastAckedSeq = 0
  let lastAckAt = 0
  let sending = true
  let polling = true

  const poller = (async () => {
    while (polling) {
      const began = performance.now()
      try {
        const status = await api.status(siteId)
        const seen = performance.now()
        const now = status.projected_seq ?? 0
        for (let seq = projected + 1; seq <= now; seq += 1) visibleAt.set(seq, seen)
        projected = Math.max(projected, now)
      } catch (error) {
        errors += 1
        firstError ??= (error as Error).message
      }
      if (!sending && projected >= lastAckedSeq) return
      await sleep(began + options.pollMs - performance.now())
    }
  })()

  const send = () => {
    const began = performance.now()
    const append =
      options.eventsPerRequest === 1
        ? api.appendEvent(siteId, events.next())
        : api.appendBatch(siteId, events.batch(options.eventsPerRequest))
    const request: Promise<void> = append
      .then((ack: AppendAck) => {
        const at = performance.now()
        lastAckAt = at
        ackLatencies.push(at - began)
        for (const item of ack.items) ackedAt.set(item.seq, at)
        lastAckedSeq = Math.max(lastAckedSeq, ...ack.items.map((item) => item.seq))
      })
      .catch((error: unknown) => {
        errors += 1
        firstError ??= (error as Error).message
      })
      .finally(() => inFlight.delete(request))
    inFlight.add(request)
  }

  // Ticks are scheduled on absolute times, so a late timer sends the ticks it missed.
  const requestsPerTick = (options.eventsPerSecond * options.tickMs) / 1000 / options.eventsPerRequest
  const start = performance.now()
  const ticks = Math.round(options.durationMs / options.tickMs)
  let sentTicks = 0
  while (sentTicks < ticks) {
    const due = Math.min(ticks, Math.floor((performance.now() - start) / options.tickMs) + 1)
    for (; sentTicks < due; sentTicks += 1) for (let i = 0; i < requestsPerTick; i += 1) send()
    await sleep(start + sentTicks * options.tickMs - performance.now())
  }
  while (inFlight.size > 0) await Promise.all([...inFlight])
  sending = false
  await Promise.race([poller, sleep(options.drainTimeoutMs)])
  polling = false
  await poller

  const lags: number[] = []
  let neverProjected = 0
  for (const [seq, acked] of ackedAt) {
    const visible = visibleAt.get(seq)
    if (visible === undefined) neverProjected += 1
    else lags.push(visible - acked)
  }
  return {
    offeredEventsPerSecond: options.eventsPerSecond,
    eventsPerRequest: options.eventsPerRequest,
    ackedEvents: ackedAt.size,
    // Over the time until the last answer: a platform that falls behind is seen to.
    ackedEventsPerSecond: ackedAt.size / ((lastAckAt - start) / 1000),
    ackLatencyMs: summarize(ackLatencies),
    lagMs: summarize(lags),
    neverProjected,
    errors,
    ...(firstError ? { firstError } : {}),
    pollMs: options.pollMs,
  }
}
