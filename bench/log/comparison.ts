import type { AppendRow } from './append-scenarios'
import type { JetStreamOutcome } from './peers'
import type { SitewireFigures } from './sitewire-phases'

export interface Ratio {
  batchSize: number
  concurrency: number
  sitewireEventsPerSecond: number
  /** Sitewire ÷ plain SQLite (synchronous=NORMAL) at the same batch size. */
  vsSqlite: number | null
  /** Sitewire ÷ JetStream at the same batch size and concurrency. */
  vsJetStream: number | null
}

export interface TargetCheck {
  target: string
  measured: string
  met: boolean
}

const whole = (value: number) => Math.round(value).toLocaleString('en-US')

const sameShape = (a: AppendRow, b: AppendRow) =>
  a.batchSize === b.batchSize && a.concurrency === b.concurrency

/** Puts each Sitewire append row beside its matching rows on the machine's limit and on the peer. */
export const ratios = (
  sitewire: readonly AppendRow[],
  sqlite: readonly AppendRow[],
  jetstream: JetStreamOutcome,
): Ratio[] =>
  sitewire.map((row) => {
    const limit = sqlite.find((s) => s.batchSize === row.batchSize && s.variant?.includes('NORMAL'))
    const peer = jetstream.measured ? jetstream.rows.find((j) => sameShape(j, row)) : undefined
    const rate = row.result.eventsPerSecond
    return {
      batchSize: row.batchSize,
      concurrency: row.concurrency,
      sitewireEventsPerSecond: rate,
      vsSqlite: limit ? rate / limit.result.eventsPerSecond : null,
      vsJetStream: peer ? rate / peer.result.eventsPerSecond : null,
    }
  })

/**
 * The targets, each judged on the very row it names (never asserted: a miss is a
 * finding, not a failure). Projection lag is judged per row: a steady 1,000 events/s sent
 * one by one and in batches are two targets, and a row the platform could not keep up with
 * did not reach a steady state at all, so it misses.
 */
export const checkTargets = (figures: SitewireFigures, compared: readonly Ratio[]): TargetCheck[] => {
  const rate = (batchSize: number, concurrency: number) =>
    figures.append.find((r) => r.batchSize === batchSize && r.concurrency === concurrency)?.result
      .eventsPerSecond ?? 0
  const single32 = rate(1, 32)
  const batch32 = rate(100, 32)
  const peerRows = compared.filter((r) => r.vsJetStream !== null)
  const ahead = peerRows.filter((r) => (r.vsJetStream ?? 0) > 1)
  return [
    {
      target: '≥ 3,000 single events/s at concurrency 32',
      measured: `${whole(single32)} events/s`,
      met: single32 >= 3_000,
    },
    {
      target: '≥ 30,000 events/s in batches of 100 at concurrency 32',
      measured: `${whole(batch32)} events/s`,
      met: batch32 >= 30_000,
    },
    ...figures.lag.map((l) => {
      const shape = l.eventsPerRequest === 1 ? 'single events' : `batches of ${l.eventsPerRequest}`
      const steady = l.ackedEventsPerSecond >= 0.95 * l.offeredEventsPerSecond
      return {
        target: `projection lag p99 < 500 ms at a steady ${whole(l.offeredEventsPerSecond)} events/s, ${shape}`,
        measured:
          `${whole(l.lagMs.p99)} ms; ${whole(l.ackedEventsPerSecond)} of ${whole(l.offeredEventsPerSecond)} events/s acknowledged` +
          (l.neverProjected > 0 ? `; ${l.neverProjected} never projected` : ''),
        met: steady && l.lagMs.p99 < 500 && l.neverProjected === 0,
      }
    }),
    {
      target: 'ahead of JetStream on acknowledged appends',
      measured: peerRows.length
        ? `ahead in ${ahead.length} of ${peerRows.length} rows`
        : 'JetStream not measured',
      met: peerRows.length > 0 && ahead.length === peerRows.length,
    },
  ]
}
