import { forEachLimited } from '../agents/limited'
import { type LatencySummary, summarize } from '../lib/stats'
import type { EventFactory } from '../log/bench-events'
import type { ResourcesApi } from './resources-api'
import type { StatusStream } from './status-stream'

/** Where one resource goes: its consumer (one per agent) and the file it manages. */
export interface Placement {
  consumerId: string
  path: string
}

export interface CreatesResult {
  /** Creates sent before the time limit: fewer than planned when the platform is slower than the limit allows. */
  attempted: number
  created: number
  errors: number
  firstError?: string
  /** Creates whose Applied=True came back on the stream before the time limit. */
  applied: number
  /** Per create, from just before the send to the answer read. */
  httpMs: LatencySummary
  /** Per create, from just before the send to its Applied=True read off the site's event stream. */
  appliedMs: LatencySummary
  /** Creates answered over the time from the first send to the last answer. */
  answeredPerSecond: number
  /** Creates over the time from the first send to the last Applied=True seen: the rate with status round trip. */
  appliedPerSecond: number
}

export interface AppendsResult {
  appended: number
  errors: number
  firstError?: string
  httpMs: LatencySummary
  appendsPerSecond: number
}

/** undici's "fetch failed" says nothing by itself: the reason (a reset, a closed socket) is its cause. */
const message = (error: unknown): string =>
  error instanceof Error
    ? error.cause
      ? `${error.message}: ${message(error.cause)}`
      : error.message
    : String(error)

/**
 * Creates `placements.length` File resources at `concurrency`, closed loop, then waits for
 * every one's Applied=True on the stream (or `timeoutMs`).
 */
export const createResources = async (
  api: ResourcesApi,
  siteId: string,
  placements: readonly Placement[],
  concurrency: number,
  stream: StatusStream,
  limits: { createsMs: number; appliedMs: number },
): Promise<{ result: CreatesResult; ids: Map<number, string> }> => {
  const sent: { id: string; atMs: number }[] = []
  const ids = new Map<number, string>()
  const httpMs: number[] = []
  let errors = 0
  let firstError: string | undefined
  let lastAnswerMs = 0
  const firstSendMs = performance.now()
  const { started } = await forEachLimited(
    placements.length,
    concurrency,
    firstSendMs + limits.createsMs,
    performance.now.bind(performance),
    async (i) => {
      const { consumerId, path } = placements[i] as Placement
      const atMs = performance.now()
      try {
        const answer = await api.createFile(siteId, consumerId, `bench-${i}`, path, `resource ${i}\n`)
        lastAnswerMs = performance.now()
        if (answer.status !== 201)
          throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`)
        httpMs.push(answer.ms)
        sent.push({ id: answer.body.id, atMs })
        ids.set(i, answer.body.id)
      } catch (error) {
        errors += 1
        firstError ??= message(error)
      }
    },
  )
  const deadline = performance.now() + limits.appliedMs
  while (sent.some(({ id }) => !stream.applied.has(id)) && performance.now() < deadline)
    await stream.next(1_000)
  const appliedMs: number[] = []
  let lastAppliedMs = 0
  for (const { id, atMs } of sent) {
    const seen = stream.applied.get(id)
    if (seen === undefined) continue
    appliedMs.push(seen - atMs)
    lastAppliedMs = Math.max(lastAppliedMs, seen)
  }
  const result: CreatesResult = {
    attempted: started,
    created: sent.length,
    errors,
    ...(firstError ? { firstError } : {}),
    applied: appliedMs.length,
    httpMs: summarize(httpMs),
    appliedMs: summarize(appliedMs),
    answeredPerSecond: sent.length / ((lastAnswerMs - firstSendMs) / 1000),
    appliedPerSecond: appliedMs.length / ((lastAppliedMs - firstSendMs) / 1000),
  }
  return { result, ids }
}

/** The peer: as many plain CloudEvent appends to a site's log, at the same concurrency, closed loop. */
export const appendEvents = async (
  api: ResourcesApi,
  siteId: string,
  count: number,
  concurrency: number,
  events: EventFactory,
): Promise<AppendsResult> => {
  const httpMs: number[] = []
  let errors = 0
  let firstError: string | undefined
  let lastAnswerMs = 0
  const firstSendMs = performance.now()
  await forEachLimited(
    count,
    concurrency,
    Number.POSITIVE_INFINITY,
    performance.now.bind(performance),
    async () => {
      try {
        const answer = await api.append(siteId, events.next())
        lastAnswerMs = performance.now()
        if (answer.status !== 201) throw new Error(`append answered ${answer.status}`)
        httpMs.push(answer.ms)
      } catch (error) {
        errors += 1
        firstError ??= message(error)
      }
    },
  )
  return {
    appended: httpMs.length,
    errors,
    ...(firstError ? { firstError } : {}),
    httpMs: summarize(httpMs),
    appendsPerSecond: httpMs.length / ((lastAnswerMs - firstSendMs) / 1000),
  }
}
