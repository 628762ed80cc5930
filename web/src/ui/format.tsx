const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
]

/** "3 minutes ago", "in 2 hours". */
export const fromNow = (iso: string, now = Date.now()) => {
  let amount = (Date.parse(iso) - now) / 1000
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit)
    amount /= size
  }
  return iso
}

/** A timestamp shown relative, with the exact time on hover. */
export const Time = ({ at, empty = '—' }: { at: string | null | undefined; empty?: string }) =>
  at ? (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {fromNow(at)}
    </time>
  ) : (
    <span class="muted">{empty}</span>
  )

export const duration = (ms: number | null | undefined) => {
  if (ms === null || ms === undefined) return '—'
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

export const bytes = (n: number | undefined) => {
  if (n === undefined) return '—'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** `k=v` labels as small chips. */
export const Labels = ({ labels }: { labels: Record<string, string> }) => (
  <span class="labels">
    {Object.entries(labels).map(([k, v]) => (
      <span class="chip" key={k}>
        {k}={v}
      </span>
    ))}
  </span>
)

/** A state word with its colour: online, failed, succeeded… */
export const Status = ({ value }: { value: string }) => <span class={`status status-${value}`}>{value}</span>
