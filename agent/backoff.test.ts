import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff'

describe('backoffDelay', () => {
  it('doubles from 0.5 s up to 60 s, anywhere below that bound', () => {
    const bound = (attempt: number) => backoffDelay(attempt, { random: () => 0.999999 })
    expect([0, 1, 2, 3].map(bound)).toEqual([499, 999, 1999, 3999])
    expect(bound(7)).toBe(59_999)
    expect(bound(40)).toBe(59_999)
    expect(backoffDelay(5, { random: () => 0 })).toBe(0)
    for (let i = 0; i < 100; i++) expect(backoffDelay(3)).toBeLessThan(4000)
  })
})
