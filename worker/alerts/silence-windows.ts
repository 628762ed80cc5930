import type { AlertLabels } from '../../schema/alerts/received-alert'
import type { SilenceDefinition, SilenceMatcher } from '../../schema/events/alert'
import { cronOf } from '../../schema/events/schedule'

/** Whether labels satisfy one matcher; an absent label reads as the empty string, as in Alertmanager. */
const matchOne = (matcher: SilenceMatcher, labels: AlertLabels) => {
  const value = labels[matcher.label] ?? ''
  switch (matcher.op) {
    case '=':
      return value === matcher.value
    case '!=':
      return value !== matcher.value
    case '=~':
      return new RegExp(`^(?:${matcher.value})$`).test(value)
    case '!~':
      return !new RegExp(`^(?:${matcher.value})$`).test(value)
  }
}

/** Whether labels satisfy every matcher of a silence. */
export const matchesAll = (matchers: readonly SilenceMatcher[], labels: AlertLabels) =>
  matchers.every((matcher) => matchOne(matcher, labels))

/** The recurring window that holds `now` (ms): it started at its cron's latest fire time. */
const recurringWindowAt = (definition: SilenceDefinition, now: number) => {
  const recurrence = definition.recurrence
  if (!recurrence) return undefined
  const cron = cronOf(recurrence.cron, recurrence.timezone)
  // The fire time at or before now: `previousRuns` looks strictly before its reference.
  const [start] = cron.previousRuns(1, new Date(now + 1))
  if (!start) return undefined
  const end = start.getTime() + recurrence.duration_seconds * 1000
  return now < end ? { start: start.getTime(), end } : undefined
}

/** Whether a silence holds at `now` (ms). */
export const isActive = (definition: SilenceDefinition, now: number) => {
  const from = Date.parse(definition.starts_at)
  const until = Date.parse(definition.ends_at)
  if (now < from || now >= until) return false
  return definition.recurrence === null || recurringWindowAt(definition, now) !== undefined
}

/** The next instant after `now` at which the silence starts or stops holding; undefined when it never will again. */
export const nextBoundary = (definition: SilenceDefinition, now: number): number | undefined => {
  const from = Date.parse(definition.starts_at)
  const until = Date.parse(definition.ends_at)
  if (now >= until) return undefined
  if (now < from) return from
  const recurrence = definition.recurrence
  if (!recurrence) return until
  const open = recurringWindowAt(definition, now)
  if (open) return Math.min(open.end, until)
  const next = cronOf(recurrence.cron, recurrence.timezone).nextRun(new Date(now))?.getTime()
  return next === undefined ? undefined : Math.min(next, until)
}
