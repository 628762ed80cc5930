import { cronOf, type ScheduleDefinition } from '../../schema/events/schedule'

/** When a schedule fires: a cron expression in a time zone, or once `at`. */
export type When = Pick<ScheduleDefinition, 'cron' | 'at' | 'timezone'>

/**
 * Fire times that passed while the object was down are counted one by one up to here; a
 * minute-by-minute schedule down for a week would otherwise keep the alarm busy for seconds.
 */
export const MAX_COUNTED_FIRES = 1000

/**
 * The first fire time a schedule waits for once it starts (or starts again) waiting at
 * `from` (ms): the next cron time after it; for a one-shot its `at`, even when that has
 * passed meanwhile, so that it is handled as missed rather than forgotten.
 */
export const firstFireTime = (when: When, from: number): number | null =>
  when.cron === null ? Date.parse(when.at ?? '') : fireAfter(when, from)

/** The fire time after `after` (ms), or null when there is none: a one-shot fires once. */
export const fireAfter = (when: When, after: number): number | null =>
  when.cron === null ? null : (cronOf(when.cron, when.timezone).nextRun(new Date(after))?.getTime() ?? null)

/** `count` fire times from `first` on, `first` included. */
export const upcoming = (when: When, first: number, count: number): number[] => {
  if (when.cron === null) return [first]
  const after = cronOf(when.cron, when.timezone).nextRuns(count - 1, new Date(first))
  return [first, ...after.map((date) => date.getTime())]
}

/** The fire times from `first` to `now`: how many (counted up to a limit), the latest, and the one before it. */
export interface DueTimes {
  count: number
  latest: number
  previous: number | undefined
}

export const dueTimes = (when: When, first: number, now: number): DueTimes | undefined => {
  if (first > now) return undefined
  if (when.cron === null) return { count: 1, latest: first, previous: undefined }
  const cron = cronOf(when.cron, when.timezone)
  const due: DueTimes = { count: 1, latest: first, previous: undefined }
  for (let next = cron.nextRun(new Date(first)); next && next.getTime() <= now; next = cron.nextRun(next)) {
    if (due.count === MAX_COUNTED_FIRES) {
      // Too many to count: the latest ones are found from `now` backwards instead.
      const [latest, previous] = cron.previousRuns(2, new Date(now + 1))
      return { count: due.count, latest: latest?.getTime() ?? due.latest, previous: previous?.getTime() }
    }
    due.previous = due.latest
    due.latest = next.getTime()
    due.count += 1
  }
  return due
}
