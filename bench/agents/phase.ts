import { type LatencySummary, summarize } from '../lib/stats'
import type { Census, PhaseResult } from './messages'

/** One connection phase (enrol, connect, subscribe) over every worker. */
export interface PhaseSummary {
  attempted: number
  ok: number
  errors: number
  firstError?: string
  /** Wall time from sending the command to the last worker's answer. */
  seconds: number
  perOperationMs: LatencySummary
  /** Completions per second over the whole phase. */
  perSecond: number
  /**
   * Completions per second over the first and the last tenth of the completions: equal rates
   * mean each operation costs the same however many came before; a falling one means it grows.
   */
  firstTenthPerSecond: number
  lastTenthPerSecond: number
  /** WebSocket extensions the server accepted, when the clients are WebSockets. */
  extensions?: string
}

export const summarizePhase = (
  startedAtMs: number,
  endedAtMs: number,
  parts: PhaseResult[],
): PhaseSummary => {
  const done = Float64Array.from(parts.flatMap((p) => p.doneAtMs)).sort()
  const ok = parts.reduce((sum, p) => sum + p.ok, 0)
  const errors = parts.reduce((sum, p) => sum + p.errors, 0)
  const firstError = parts.find((p) => p.firstError)?.firstError
  const extensions = parts.find((p) => p.extensions)?.extensions
  const seconds = (endedAtMs - startedAtMs) / 1000
  const tenth = Math.max(1, Math.floor(done.length / 10))
  const rate = (count: number, fromMs: number, toMs: number) =>
    toMs > fromMs ? (count * 1000) / (toMs - fromMs) : Number.NaN
  const last = done.length - 1
  return {
    attempted: ok + errors,
    ok,
    errors,
    ...(firstError ? { firstError } : {}),
    ...(extensions ? { extensions } : {}),
    seconds,
    perOperationMs: summarize(parts.flatMap((p) => p.latenciesMs)),
    perSecond: ok / seconds,
    firstTenthPerSecond: done.length ? rate(tenth, startedAtMs, done[tenth - 1] ?? startedAtMs) : Number.NaN,
    lastTenthPerSecond:
      done.length > tenth ? rate(tenth, done[last - tenth] ?? 0, done[last] ?? 0) : Number.NaN,
  }
}

/** The connections every worker still holds, in total. */
export const sumCensus = (parts: Census[]): Census => {
  const firstCloseReason = parts.find((p) => p.firstCloseReason)?.firstCloseReason
  return {
    open: parts.reduce((sum, p) => sum + p.open, 0),
    closedUnexpectedly: parts.reduce((sum, p) => sum + p.closedUnexpectedly, 0),
    ...(firstCloseReason ? { firstCloseReason } : {}),
    received: parts.reduce<Record<string, number>>((all, p) => {
      for (const [type, n] of Object.entries(p.received)) all[type] = (all[type] ?? 0) + n
      return all
    }, {}),
  }
}
