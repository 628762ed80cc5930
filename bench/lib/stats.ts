/** Latency figures of one measured phase, in milliseconds. */
export interface LatencySummary {
  count: number
  p50: number
  p99: number
  max: number
  mean: number
}

/** Nearest-rank percentile of ascending samples: a value that was actually observed. */
export const percentile = (ascending: readonly number[], p: number): number => {
  if (ascending.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * ascending.length)
  return ascending[Math.min(ascending.length, Math.max(1, rank)) - 1] ?? Number.NaN
}

/** Summarises every sample (no sampling or histogram buckets: runs are short enough to keep all). */
export const summarize = (samples: readonly number[]): LatencySummary => {
  const ascending = Float64Array.from(samples).sort()
  const values = Array.from(ascending)
  const total = values.reduce((sum, value) => sum + value, 0)
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.at(-1) ?? Number.NaN,
    mean: values.length ? total / values.length : Number.NaN,
  }
}

/** Rounds for reports: figures of 100 and over as integers, smaller ones to 2 significant decimals. */
export const round = (value: number): number =>
  Number.isFinite(value) ? (Math.abs(value) >= 100 ? Math.round(value) : Number(value.toFixed(2))) : value
