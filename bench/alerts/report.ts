import type { CpuUse } from '../lib/cpu-meter'
import type { LatencySummary } from '../lib/stats'
import { formatTable } from '../lib/table'
import { ALERTS_PER_DELIVERY, TARGET_ALERTS_PER_SECOND, TARGET_P99_MS } from './plan'
import type { Row } from './rows'

/** Where CPU went, busiest first, in cores: "workerd 0.95, other processes 0.40". */
export const cpuSplit = (cpu: CpuUse) =>
  Object.entries(cpu.byPart)
    .sort(([, a], [, b]) => b.cores - a.cores)
    .filter(([, use]) => use.cores >= 0.02)
    .map(([part, use]) => `${part} ${use.cores.toFixed(2)}`)
    .join(', ')

export const rowsTable = (rows: readonly Row[]) =>
  formatTable(
    [
      'system',
      'offered al/s',
      'achieved al/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'runs/deliv.',
      'log gap p99',
      '200→run p50',
      '200→run p99',
      'errors',
      'met',
      'CPU cores used',
    ],
    rows.map((row) => [
      row.system,
      row.offeredAlertsPerSecond,
      row.achievedAlertsPerSecond,
      row.latencyMs.p50,
      row.latencyMs.p99,
      row.latencyMs.max,
      row.runsRequested === undefined ? '' : `${row.runsRequested}/${row.answered}`,
      row.logGapMs?.p99 ?? Number.NaN,
      row.answerToRunMs?.p50 ?? Number.NaN,
      row.answerToRunMs?.p99 ?? Number.NaN,
      row.errors + row.unanswered,
      row.metTarget ? 'yes' : 'NO',
      cpuSplit(row.cpu),
    ]),
  )

/** Per system: the highest offered rate that met the target (0 if none), and whether it was the last tried. */
export const ceilings = (rows: readonly Row[]) => {
  const systems = [...new Set(rows.map((r) => r.system))]
  return systems.map((system) => {
    const own = rows.filter((r) => r.system === system)
    const met = own.filter((r) => r.metTarget).map((r) => r.offeredAlertsPerSecond)
    const alertsPerSecond = Math.max(0, ...met)
    return {
      system,
      alertsPerSecond,
      /** Met at every rate tried: its ceiling lies above the last one. */
      metEveryRate: met.length === own.length,
      highestTried: Math.max(0, ...own.map((r) => r.offeredAlertsPerSecond)),
    }
  })
}

export type Ceiling = ReturnType<typeof ceilings>[number]

export const summaryText = (rows: readonly Row[], underLoad: string, peer: string) => {
  const all = ceilings(rows)
  const of = (system: string) => all.find((c) => c.system === system)
  const text = (c: Ceiling | undefined) =>
    c
      ? `${c.alertsPerSecond.toLocaleString('en-US')} alerts/s${c.metEveryRate ? ' (every rate tried: more)' : ''}`
      : '-'
  const a = of(underLoad)
  const p = of(peer)
  const ratio =
    a && p && p.alertsPerSecond > 0 ? `${(a.alertsPerSecond / p.alertsPerSecond).toFixed(3)}×` : '-'
  return [
    `Target: p99 < ${TARGET_P99_MS} ms from the send to the HTTP answer (the run is requested before it), every`,
    `delivery's run requested, ≥ 90% of the offered rate answered; ${ALERTS_PER_DELIVERY} alerts per delivery.`,
    ...all.map((c) => `Highest rate meeting it, ${c.system}: ${text(c)}.`),
    `${underLoad} ÷ ${peer}: ${ratio}.`,
    `Goal ≥ ${TARGET_ALERTS_PER_SECOND.toLocaleString('en-US')} alerts/s per site with 1,000 rules: ${(a?.alertsPerSecond ?? 0) >= TARGET_ALERTS_PER_SECOND ? 'met' : 'NOT met'}.`,
  ].join('\n')
}

/** One delivery at a time on each system: the service time with nothing queued in front. */
export const serialTable = (
  serial: readonly { system: string; latencyMs: LatencySummary; errors: number }[],
) =>
  formatTable(
    ['one delivery at a time', 'count', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'alerts/s this allows'],
    serial.map(({ system, latencyMs, errors }) => [
      system,
      latencyMs.count,
      latencyMs.p50,
      latencyMs.p99,
      latencyMs.max,
      errors,
      (1000 / latencyMs.p50) * ALERTS_PER_DELIVERY,
    ]),
  )
