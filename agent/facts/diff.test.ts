import { describe, expect, it } from 'vitest'
import type { Facts } from '../../schema/agent/facts'
import { diffFacts } from './diff'

const facts: Facts = {
  hostname: 'web-1',
  os: { family: 'linux', distribution: 'Debian GNU/Linux', version: '12' },
  memory_bytes: 8_000_000_000,
  disks: [{ mount: '/', filesystem: 'ext4', device: '/dev/vda1', size_bytes: 100, used_bytes: 40 }],
  ip_addresses: ['10.0.0.5'],
  labels: { env: 'prod' },
}

describe('diffFacts', () => {
  it('finds nothing when the facts are equal', () => {
    expect(diffFacts(facts, structuredClone(facts))).toBeUndefined()
  })

  it('carries each changed field whole, and names the removed ones', () => {
    const next: Facts = {
      ...structuredClone(facts),
      disks: [{ mount: '/', filesystem: 'ext4', device: '/dev/vda1', size_bytes: 100, used_bytes: 41 }],
      kernel: '6.1.0',
    }
    delete next.ip_addresses
    expect(diffFacts(facts, next)).toEqual({
      changed: { disks: next.disks, kernel: '6.1.0' },
      removed: ['ip_addresses'],
    })
  })

  it('compares nested values deeply', () => {
    const next = {
      ...structuredClone(facts),
      os: { family: 'linux', distribution: 'Debian GNU/Linux', version: '13' },
    }
    expect(diffFacts(facts, next)).toEqual({ changed: { os: next.os }, removed: [] })
  })

  it('sends everything, and removes every absent field, when the previous report is unknown', () => {
    const change = diffFacts(undefined, facts)
    expect(change?.changed).toEqual(facts)
    expect(change?.removed).toEqual([
      'kernel',
      'arch',
      'cpu',
      'uptime_seconds',
      'services',
      'listening',
      'packages',
      'databases',
    ])
  })

  it('carries only the packages that changed once the platform has the list', () => {
    const before = { ...facts, packages: { bash: '5.2-1', openssl: '3.0.1', zlib1g: '1.2' } }
    const next = { ...facts, packages: { bash: '5.2-1', openssl: '3.0.2', nginx: '1.24' } }
    expect(diffFacts(before, next)).toEqual({
      changed: {},
      removed: [],
      packagesDelta: { installed: { openssl: '3.0.2', nginx: '1.24' }, removed: ['zlib1g'] },
    })
    expect(diffFacts(undefined, next)?.changed.packages).toEqual(next.packages)
  })
})
