import { describe, expect, it } from 'vitest'
import type { Facts } from '../../schema/agent/facts'
import { diffFacts } from './diff'
import { isNews } from './news'

const GB = 1_000_000_000
const before: Facts = {
  hostname: 'web-1',
  uptime_seconds: 1000,
  disks: [{ mount: '/', filesystem: 'ext4', device: '/dev/vda1', size_bytes: 100 * GB, used_bytes: 40 * GB }],
}
const news = (next: Facts) => {
  const change = diffFacts(before, next)
  return change !== undefined && isNews(change, before)
}
const withUsed = (used: number): Facts => ({
  ...before,
  disks: [{ ...(before.disks?.[0] as NonNullable<Facts['disks']>[0]), used_bytes: used }],
})

describe('isNews', () => {
  it('ignores a longer uptime alone, not a reboot', () => {
    expect(news({ ...before, uptime_seconds: 1300 })).toBe(false)
    expect(news({ ...before, uptime_seconds: 20 })).toBe(true)
  })

  it('ignores disk usage drifting, not a disk filling up or a new mount', () => {
    expect(news(withUsed(40 * GB + 5_000_000))).toBe(false)
    expect(news(withUsed(41 * GB))).toBe(true)
    const disks = [
      ...(before.disks ?? []),
      { mount: '/srv', device: '/dev/vdb1', size_bytes: GB, used_bytes: 0 },
    ]
    expect(news({ ...before, disks })).toBe(true)
  })

  it('takes any other change, with the drifting values riding along', () => {
    const next = { ...withUsed(40 * GB + 5_000_000), uptime_seconds: 1300, hostname: 'web-2' }
    expect(news(next)).toBe(true)
    expect(Object.keys(diffFacts(before, next)?.changed ?? {})).toEqual([
      'hostname',
      'disks',
      'uptime_seconds',
    ])
  })
})
