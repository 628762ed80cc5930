import type { Pool } from 'undici'
import { type CpuUse, startCpuMeter } from '../lib/cpu-meter'
import { type LatencySummary, summarize } from '../lib/stats'
import type { AlertsApi } from './alerts-api'
import { type AlertmanagerBody, asCloudEvent } from './deliveries'
import { offer } from './open-loop'
import { ALERTS_PER_DELIVERY, type AlertsPlan, KEEP_UP_SHARE, TARGET_P99_MS } from './plan'

/** What a row sends to: an alerts site's hook (with its rule count), or the plain events' site. */
export type System = { kind: 'hook'; rules: number } | { kind: 'plain' }

export const systemName = (system: System) =>
  system.kind === 'plain'
    ? 'plain CloudEvents'
    : `alerts, ${system.rules.toLocaleString('en-US')} rule${system.rules === 1 ? '' : 's'}`

/** One offered rate on one system. */
export interface Row {
  system: string
  kind: System['kind']
  rules?: number
  offeredDeliveriesPerSecond: number
  offeredAlertsPerSecond: number
  sent: number
  answered: number
  errors: number
  unanswered: number
  firstError?: string
  /** Alerts (10 per delivery) answered 200/201, over the time from the window's start to its last answer. */
  achievedAlertsPerSecond: number
  /** Per delivery, from just before the send to the whole answer read (client side). */
  latencyMs: LatencySummary
  /** Alerts only: runs requested for the window's deliveries, and rule triggers by outcome. */
  runsRequested?: number
  triggers?: Record<string, number>
  /** `time` of run.requested minus `time` of its delivery's delivery_received, both from the log. */
  logGapMs?: LatencySummary
  /** `time` of run.requested minus the client's wall clock at the HTTP answer (negative: before it). */
  answerToRunMs?: LatencySummary
  /** The projection backlog left before the row, and how long it took to drain. */
  backlogBefore: number
  drainSeconds: number
  /** After the drain time, how long the answers still owed took (the platform's queue). */
  settleSeconds: number
  cpu: CpuUse
  keptUp: boolean
  metTarget: boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until the site's projection reaches its head, so one row's backlog never lands in the next. */
const drainProjection = async (api: AlertsApi, siteId: string, timeoutMs: number) => {
  const began = performance.now()
  const first = await api.status(siteId)
  let status = first
  while ((status.projected_seq ?? 0) < status.head_seq && performance.now() - began < timeoutMs) {
    await sleep(100)
    status = await api.status(siteId)
  }
  return {
    backlogBefore: first.head_seq - (first.projected_seq ?? 0),
    drainSeconds: (performance.now() - began) / 1000,
    head: status.head_seq,
  }
}

const count = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts: Record<string, number> = {}
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1
  return counts
}

export interface Target {
  siteId: string
  /** Alerts: the integration's hook path and secret; plain: the admin key. */
  path: string
  authorization: string
}

/**
 * Offers deliveries at one rate to one system, then reads from the site's log what came of
 * the measured ones: for alerts, the run each delivery's matching alert requested.
 */
export const measureRow = async (
  system: System,
  deliveriesPerSecond: number,
  context: {
    api: AlertsApi
    pool: Pool
    target: Target
    platformGroup: number
    nextDelivery: () => AlertmanagerBody
    plan: AlertsPlan
  },
): Promise<Row> => {
  const { api, pool, target, plan } = context
  const hook = system.kind === 'hook'
  const drain = await drainProjection(api, target.siteId, plan.drainTimeoutMs * 2)
  const stopCpu = startCpuMeter({ groups: [context.platformGroup] })
  const result = await offer(
    pool,
    () =>
      hook
        ? {
            path: target.path,
            headers: { authorization: target.authorization, 'content-type': 'application/json' },
            body: JSON.stringify(context.nextDelivery()),
            expected: 200,
            key: (text) => (JSON.parse(text) as { delivery_id: string }).delivery_id,
          }
        : {
            path: target.path,
            headers: { authorization: target.authorization, 'content-type': 'application/cloudevents+json' },
            body: JSON.stringify(asCloudEvent(context.nextDelivery())),
            expected: 201,
          },
    {
      ...plan,
      perSecond: deliveriesPerSecond,
      durationMs: Math.max(plan.durationMs, ((plan.minDeliveries + 1) / deliveriesPerSecond) * 1000),
    },
  )
  const cpu = stopCpu()
  const latencyMs = summarize(result.samples.map((s) => s.answeredAt - s.sentAt))
  // Over the window the sends spanned, or to the last answer if that came later: n sends at a
  // slow rate span n / rate seconds, and a platform that falls behind is seen to.
  const seconds = Math.max(
    result.sent / deliveriesPerSecond,
    (result.lastAnswerAt - result.windowStart) / 1000,
  )
  const answered = result.samples.length
  const achievedAlertsPerSecond = seconds > 0 ? (answered * ALERTS_PER_DELIVERY) / seconds : 0
  const offeredAlertsPerSecond = deliveriesPerSecond * ALERTS_PER_DELIVERY
  const keptUp =
    result.errors === 0 &&
    result.unanswered === 0 &&
    achievedAlertsPerSecond >= KEEP_UP_SHARE * offeredAlertsPerSecond
  const row: Row = {
    system: systemName(system),
    kind: system.kind,
    ...(system.kind === 'hook' ? { rules: system.rules } : {}),
    offeredDeliveriesPerSecond: deliveriesPerSecond,
    offeredAlertsPerSecond,
    sent: result.sent,
    answered,
    errors: result.errors,
    unanswered: result.unanswered,
    ...(result.firstError ? { firstError: result.firstError } : {}),
    achievedAlertsPerSecond,
    latencyMs,
    backlogBefore: drain.backlogBefore,
    drainSeconds: drain.drainSeconds,
    settleSeconds: result.settleSeconds,
    cpu,
    keptUp,
    metTarget: keptUp && latencyMs.p99 < TARGET_P99_MS,
  }
  if (!hook) return row

  // What the log says came of the measured deliveries (warm-up ones are left out by id).
  const measured = new Map(result.samples.map((s) => [s.key ?? '', s]))
  const [received, requested, triggered] = await Promise.all(
    ['io.sitewire.alert.delivery_received', 'io.sitewire.run.requested', 'io.sitewire.rule.triggered'].map(
      (type) => api.events(target.siteId, type, drain.head),
    ),
  )
  const receivedAt = new Map(
    (received ?? []).map((e) => [String(e.data.delivery_id), Date.parse(e.time)] as const),
  )
  const logGaps: number[] = []
  const answerToRun: number[] = []
  for (const event of requested ?? []) {
    const trigger = event.data.trigger as { delivery_id?: string } | undefined
    const sample = measured.get(trigger?.delivery_id ?? '')
    if (!sample) continue
    const runAt = Date.parse(event.time)
    const deliveryAt = receivedAt.get(trigger?.delivery_id ?? '')
    if (deliveryAt !== undefined) logGaps.push(runAt - deliveryAt)
    answerToRun.push(runAt - sample.answeredWallMs)
  }
  const runsRequested = answerToRun.length
  const ownTriggers = (triggered ?? []).filter((e) => measured.has(String(e.data.delivery_id)))
  const gaps = summarize(logGaps)
  return {
    ...row,
    runsRequested,
    triggers: count(ownTriggers, (e) => String(e.data.outcome)),
    logGapMs: gaps,
    answerToRunMs: summarize(answerToRun),
    // Every measured delivery must have requested its run, within the bound, as well.
    metTarget: row.metTarget && runsRequested === answered && (gaps.count === 0 || gaps.p99 < TARGET_P99_MS),
  }
}
