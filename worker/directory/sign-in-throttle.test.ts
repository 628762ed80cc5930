import { describe, expect, it } from 'vitest'
import { afterFailure, FAILURE_WINDOW_MS, type Failures, lockAfter, lockRemaining } from './sign-in-throttle'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const SECOND = 1000
const MINUTE = 60 * SECOND

/** The count after failures at each of `times`. */
const failuresAt = (times: number[], from?: Failures) =>
  times.reduce<Failures | undefined>((record, at) => afterFailure(record, at), from)

describe('sign-in throttle schedule', () => {
  it('lets five failures through, then locks for 30 s, doubling to at most 15 min', () => {
    expect([1, 2, 3, 4].map(lockAfter)).toEqual([0, 0, 0, 0])
    expect([5, 6, 7, 8, 9, 10, 20, 1000].map((n) => lockAfter(n) / SECOND)).toEqual([
      30, 60, 120, 240, 480, 900, 900, 900,
    ])
  })

  it('locks after the fifth failure within 15 minutes', () => {
    const four = failuresAt([T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE])
    expect(four).toEqual({ failures: 4, firstAt: T0, lockedUntil: null })
    expect(lockRemaining(four, T0 + 3 * MINUTE)).toBe(0)
    const five = afterFailure(four, T0 + 4 * MINUTE)
    expect(five).toEqual({ failures: 5, firstAt: T0, lockedUntil: T0 + 4 * MINUTE + 30 * SECOND })
    expect(lockRemaining(five, T0 + 4 * MINUTE)).toBe(30 * SECOND)
    expect(lockRemaining(five, T0 + 4 * MINUTE + 10 * SECOND)).toBe(20 * SECOND)
    expect(lockRemaining(five, T0 + 4 * MINUTE + 30 * SECOND)).toBe(0)
  })

  it('doubles the lock with each failure made once a lock has passed', () => {
    let record = failuresAt([T0, T0, T0, T0, T0])
    let now = T0
    const locks: number[] = []
    for (let i = 0; i < 6; i++) {
      now += lockRemaining(record, now)
      record = afterFailure(record, now)
      locks.push(lockRemaining(record, now) / SECOND)
    }
    expect(locks).toEqual([60, 120, 240, 480, 900, 900])
  })

  it('forgets failures 15 minutes after the first, when no lock followed', () => {
    const four = failuresAt([T0, T0, T0, T0])
    expect(afterFailure(four, T0 + FAILURE_WINDOW_MS - 1)).toMatchObject({ failures: 5 })
    expect(afterFailure(four, T0 + FAILURE_WINDOW_MS)).toEqual({
      failures: 1,
      firstAt: T0 + FAILURE_WINDOW_MS,
      lockedUntil: null,
    })
  })

  it('remembers a locked count for 15 minutes after the lock ends', () => {
    const locked = failuresAt([T0, T0, T0, T0, T0])
    const lockEnd = T0 + 30 * SECOND
    expect(afterFailure(locked, lockEnd + FAILURE_WINDOW_MS - 1)).toMatchObject({ failures: 6 })
    expect(afterFailure(locked, lockEnd + FAILURE_WINDOW_MS)).toMatchObject({
      failures: 1,
      lockedUntil: null,
    })
  })

  it('reports no wait for a key with no failures', () => {
    expect(lockRemaining(undefined, T0)).toBe(0)
  })
})
