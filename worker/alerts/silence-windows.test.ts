import { describe, expect, it } from 'vitest'
import type { SilenceDefinition } from '../../schema/events/alert'
import { isActive, matchesAll, nextBoundary } from './silence-windows'

const at = (iso: string) => Date.parse(iso)

const window = (over: Partial<SilenceDefinition> = {}): SilenceDefinition => ({
  matchers: [{ label: 'service', op: '=', value: 'api' }],
  starts_at: '2026-12-01T00:00:00.000Z',
  ends_at: '2026-12-31T00:00:00.000Z',
  recurrence: null,
  comment: '',
  ...over,
})

describe('silence matchers', () => {
  it('compares labels by equality and by whole-value regular expressions', () => {
    const labels = { service: 'api', instance: 'web-12' }
    expect(matchesAll([{ label: 'service', op: '=', value: 'api' }], labels)).toBe(true)
    expect(matchesAll([{ label: 'service', op: '!=', value: 'api' }], labels)).toBe(false)
    expect(matchesAll([{ label: 'instance', op: '=~', value: 'web-[0-9]+' }], labels)).toBe(true)
    // Anchored: a match inside the value is not enough.
    expect(matchesAll([{ label: 'instance', op: '=~', value: 'web' }], labels)).toBe(false)
    expect(matchesAll([{ label: 'instance', op: '!~', value: 'db-.*' }], labels)).toBe(true)
  })

  it('needs every matcher, and reads an absent label as empty', () => {
    const matchers = [
      { label: 'service', op: '=', value: 'api' },
      { label: 'team', op: '=', value: '' },
    ] as const
    expect(matchesAll([...matchers], { service: 'api' })).toBe(true)
    expect(matchesAll([...matchers], { service: 'api', team: 'core' })).toBe(false)
  })
})

describe('silence windows', () => {
  it('holds from its start to its end, and says when that changes', () => {
    const silence = window()
    expect(isActive(silence, at('2026-11-30T23:59:59Z'))).toBe(false)
    expect(nextBoundary(silence, at('2026-11-30T12:00:00Z'))).toBe(at('2026-12-01T00:00:00Z'))
    expect(isActive(silence, at('2026-12-10T00:00:00Z'))).toBe(true)
    expect(nextBoundary(silence, at('2026-12-10T00:00:00Z'))).toBe(at('2026-12-31T00:00:00Z'))
    expect(isActive(silence, at('2026-12-31T00:00:00Z'))).toBe(false)
    expect(nextBoundary(silence, at('2026-12-31T00:00:00Z'))).toBeUndefined()
  })

  it('recurs: each Sunday from 02:00 for two hours, in the silence’s time zone', () => {
    const silence = window({
      recurrence: { cron: '0 2 * * 0', timezone: 'Europe/Paris', duration_seconds: 7200 },
    })
    // Sunday 6 December 2026, 02:30 in Paris is 01:30 UTC.
    expect(isActive(silence, at('2026-12-06T01:30:00Z'))).toBe(true)
    expect(nextBoundary(silence, at('2026-12-06T01:30:00Z'))).toBe(at('2026-12-06T03:00:00Z'))
    expect(isActive(silence, at('2026-12-06T03:00:00Z'))).toBe(false)
    expect(nextBoundary(silence, at('2026-12-06T03:00:00Z'))).toBe(at('2026-12-13T01:00:00Z'))
    // The window opens at its exact fire time.
    expect(isActive(silence, at('2026-12-13T01:00:00Z'))).toBe(true)
  })
})
