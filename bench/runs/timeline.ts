import { EventType } from '../../schema/events/types'
import type { RunsApi } from './runs-api'

/**
 * A run as the site's log tells it: ms after `run.requested` (the platform's clock) at which
 * each stage happened. Platform events carry the time the site object stored them; agent
 * events (`step.started`, `step.finished`) carry the agent's own time, the same machine's clock
 * here. It says where the time went inside the platform, beside what the bench saw outside.
 */
export interface RunTimeline {
  requestedAt: string
  /** `run.dispatched`: the first steps decided. */
  dispatchedMs?: number
  /** The last `step.dispatched` stored: every step decided and sent. */
  lastStepDispatchedMs?: number
  firstStepStartedMs?: number
  lastStepStartedMs?: number
  /** The last `step.finished` an agent sent (its time), and how many there were. */
  lastStepFinishedMs?: number
  stepsFinished: number
  /** `run.finished` stored, and `run.archived` stored (the archive is in R2 and the output pruned). */
  finishedMs?: number
  archivedMs?: number
  archived?: { bytes: number; lines: number; pruned_events: number }
}

const span = (from: number, times: number[]) =>
  times.length === 0
    ? { first: undefined, last: undefined }
    : { first: Math.min(...times) - from, last: Math.max(...times) - from }

/** Reads the run's events from the log, from `afterSeq` on (the head before the request). */
export const readTimeline = async (
  api: RunsApi,
  siteId: string,
  runId: string,
  afterSeq: number,
): Promise<RunTimeline | undefined> => {
  const of = async (type: string) =>
    (await api.events(siteId, type, afterSeq)).filter((event) => event.data.run_id === runId)
  const times = async (type: string) => (await of(type)).map((event) => Date.parse(event.time))
  const [requested] = await of(EventType.runRequested)
  if (!requested) return undefined
  const from = Date.parse(requested.time)
  const [dispatched] = await times(EventType.runDispatched)
  const [finished] = await times(EventType.runFinished)
  const [archived] = await of(EventType.runArchived)
  const stepsDispatched = span(from, await times(EventType.stepDispatched))
  const started = span(from, await times(EventType.stepStarted))
  const stepFinishes = await times(EventType.stepFinished)
  return {
    requestedAt: requested.time,
    ...(dispatched === undefined ? {} : { dispatchedMs: dispatched - from }),
    ...(stepsDispatched.last === undefined ? {} : { lastStepDispatchedMs: stepsDispatched.last }),
    ...(started.first === undefined
      ? {}
      : { firstStepStartedMs: started.first, lastStepStartedMs: started.last }),
    ...(stepFinishes.length === 0 ? {} : { lastStepFinishedMs: span(from, stepFinishes).last }),
    stepsFinished: stepFinishes.length,
    ...(finished === undefined ? {} : { finishedMs: finished - from }),
    ...(archived === undefined
      ? {}
      : {
          archivedMs: Date.parse(archived.time) - from,
          archived: {
            bytes: Number(archived.data.bytes),
            lines: Number(archived.data.lines),
            pruned_events: Number(archived.data.pruned_events),
          },
        }),
  }
}
