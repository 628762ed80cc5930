import type { Item } from '../../api/types'
import type { BarSeries } from '../../ui/stacked-bars'

type RunRecord = Item<'/v1/runs'>
const HOUR_MS = 3600 * 1000

/** The last 24 hours of runs counted per hour: succeeded, failed, and everything else. */
export const runsByHour = (runs: RunRecord[], now: number) => {
  const start = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS
  const times = Array.from({ length: 24 }, (_, i) => (start + i * HOUR_MS) / 1000)
  const succeeded = new Array<number>(24).fill(0)
  const failed = new Array<number>(24).fill(0)
  const other = new Array<number>(24).fill(0)
  for (const run of runs) {
    const slot = Math.floor((Date.parse(run.requested_at) - start) / HOUR_MS)
    if (slot < 0 || slot > 23) continue
    const bucket = run.status === 'succeeded' ? succeeded : run.status === 'failed' ? failed : other
    bucket[slot] = (bucket[slot] ?? 0) + 1
  }
  const series: BarSeries[] = [
    { label: 'succeeded', color: '--ok', values: succeeded },
    { label: 'failed', color: '--danger', values: failed },
    { label: 'other', color: '--text-muted', values: other },
  ]
  return { times, series }
}
