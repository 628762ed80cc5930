import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Facts } from '../schema/agent/facts'
import type { AgentFrame } from '../schema/agent/protocol'
import { FactsReporter } from './facts-reporter'
import { createLogger } from './log'
import { Outbox } from './outbox'
import { Spool } from './spool'
import { tempDir } from './testing/temp-dir'

const quiet = createLogger('error', () => undefined)
const identity = {
  url: 'http://127.0.0.1:8787',
  site_id: '01J00000000000000000000000',
  agent_id: '01J00000000000000000000001',
  connect_url: 'ws://127.0.0.1:8787/v1/sites/01J00000000000000000000000/agents/connect',
  enrolled_at: '2026-01-01T00:00:00.000Z',
}

/** A reporter over a real spool, reading facts the test sets. */
const setUp = () => {
  const dir = tempDir()
  let facts: Facts = { hostname: 'web-1', uptime_seconds: 100, labels: { env: 'prod' } }
  const spool = Spool.open(join(dir, 'spool'), { maxBytes: 1_000_000 })
  const make = () =>
    new FactsReporter({
      identity,
      outbox: new Outbox(spool, quiet),
      collect: async () => facts,
      baselinePath: join(dir, 'facts.json'),
      log: quiet,
    })
  const reports = () => [...spool.entries()].map((entry) => (JSON.parse(entry.text) as AgentFrame).data)
  return { make, reports, set: (next: Facts) => (facts = next) }
}

describe('FactsReporter', () => {
  it('reports everything first, then only what changed, and nothing when nothing did', async () => {
    const { make, reports, set } = setUp()
    const reporter = make()
    await reporter.report()
    expect(reports()).toEqual([
      {
        agent_id: identity.agent_id,
        changed: { hostname: 'web-1', uptime_seconds: 100, labels: { env: 'prod' } },
        removed: [
          'os',
          'kernel',
          'arch',
          'cpu',
          'memory_bytes',
          'disks',
          'ip_addresses',
          'services',
          'listening',
          'packages',
          'databases',
        ],
      },
    ])
    await reporter.report()
    expect(reports()).toHaveLength(1)

    set({ hostname: 'web-1', uptime_seconds: 160, labels: { env: 'prod' } })
    await reporter.report()
    expect(reports()).toHaveLength(1)

    set({ hostname: 'web-1', uptime_seconds: 220, labels: { env: 'staging' } })
    await reporter.report()
    expect(reports()[1]).toEqual({
      agent_id: identity.agent_id,
      changed: { uptime_seconds: 220, labels: { env: 'staging' } },
      removed: [],
    })

    set({ hostname: 'web-1', uptime_seconds: 5, labels: { env: 'staging' } })
    await reporter.report()
    expect(reports()[2]).toMatchObject({ changed: { uptime_seconds: 5 }, removed: [] })
  })

  it('remembers what it reported across restarts, until told to forget', async () => {
    const { make, reports, set } = setUp()
    await make().report()
    set({ hostname: 'web-1', uptime_seconds: 100 })
    const restarted = make()
    await restarted.report()
    expect(reports()[1]).toMatchObject({ changed: {}, removed: ['labels'] })

    restarted.forget()
    await restarted.report()
    expect(reports()[2]).toMatchObject({ changed: { hostname: 'web-1', uptime_seconds: 100 } })
  })
})
