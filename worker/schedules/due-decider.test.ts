import { describe, expect, it } from 'vitest'
import { decideDue, LATE_AFTER_MS } from './due-decider'
import { MAX_COUNTED_FIRES } from './fire-times'

const at = (iso: string) => Date.parse(iso)
const hourly = { cron: '0 * * * *', at: null, timezone: 'UTC' }

describe('decideDue', () => {
  it('waits until the fire time, then fires on time', () => {
    const next = at('2035-01-01T10:00:00Z')
    for (const missed of ['run_once', 'skip'] as const) {
      expect(decideDue({ ...hourly, missed }, next, next - 1)).toEqual({})
      expect(decideDue({ ...hourly, missed }, next, next + LATE_AFTER_MS)).toEqual({
        fire: { fireAt: next, missed: 0 },
      })
    }
  })

  it('runs once, late, for every fire time missed; or records them and runs only an on-time latest', () => {
    const next = at('2035-01-01T10:00:00Z')
    const late = at('2035-01-01T12:30:00Z')
    expect(decideDue({ ...hourly, missed: 'run_once' }, next, late)).toEqual({
      fire: { fireAt: at('2035-01-01T12:00:00Z'), missed: 3 },
    })
    expect(decideDue({ ...hourly, missed: 'skip' }, next, late)).toEqual({
      missed: { fireAt: at('2035-01-01T12:00:00Z'), count: 3 },
    })
    const backInTime = at('2035-01-01T12:00:20Z')
    expect(decideDue({ ...hourly, missed: 'run_once' }, next, backInTime)).toEqual({
      fire: { fireAt: at('2035-01-01T12:00:00Z'), missed: 2 },
    })
    expect(decideDue({ ...hourly, missed: 'skip' }, next, backInTime)).toEqual({
      missed: { fireAt: at('2035-01-01T11:00:00Z'), count: 2 },
      fire: { fireAt: at('2035-01-01T12:00:00Z'), missed: 0 },
    })
  })

  it('stops counting at the limit but still finds the latest fire times', () => {
    const minutely = { cron: '* * * * *', at: null, timezone: 'Europe/Paris' }
    const next = at('2035-01-01T00:00:00Z')
    const now = at('2035-01-03T00:00:30Z')
    expect(decideDue({ ...minutely, missed: 'skip' }, next, now)).toEqual({
      missed: { fireAt: at('2035-01-02T23:59:00Z'), count: MAX_COUNTED_FIRES - 1 },
      fire: { fireAt: at('2035-01-03T00:00:00Z'), missed: 0 },
    })
  })

  it('fires a one-shot once at its time, late by the policy', () => {
    const when = at('2035-01-01T10:00:00Z')
    const once = { cron: null, at: '2035-01-01T10:00:00.000Z', timezone: 'UTC' }
    expect(decideDue({ ...once, missed: 'run_once' }, when, when + 1000)).toEqual({
      fire: { fireAt: when, missed: 0 },
    })
    expect(decideDue({ ...once, missed: 'run_once' }, when, when + 3_600_000)).toEqual({
      fire: { fireAt: when, missed: 1 },
    })
    expect(decideDue({ ...once, missed: 'skip' }, when, when + 3_600_000)).toEqual({
      missed: { fireAt: when, count: 1 },
    })
  })
})
