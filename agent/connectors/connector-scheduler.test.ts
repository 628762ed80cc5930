import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AgentFrame } from '../../schema/agent/protocol'
import type { ConnectorResourceType, DeliveredConnector } from '../../schema/inventory/connectors'
import { createLogger } from '../log'
import { type CloudReader, ConnectorScheduler } from './connector-scheduler'
import { missingSecret } from './sync-problems'

const quiet = createLogger('error', () => undefined)
const identity = { site_id: '01J0000000000000000000SITE', agent_id: '01J000000000000000000AGENT' }
const CONNECTOR = '01J000000000000000000000CN'

const delivered = (requests: Partial<Record<ConnectorResourceType, number>> = {}): DeliveredConnector => ({
  connector_id: CONNECTOR,
  spec: {
    name: 'prod',
    agent_id: identity.agent_id,
    provider: 'aws',
    aws: {
      regions: ['eu-west-1'],
      access_key_id_secret: 'AWS_ACCESS_KEY_ID',
      secret_access_key_secret: 'AWS_SECRET_ACCESS_KEY',
    },
    intervals: { servers: 300, load_balancers: false, databases: false, datacenters: 3600 },
  },
  sync_requests: { servers: 0, load_balancers: 0, databases: 0, datacenters: 0, ...requests },
})

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A scheduler on a clock the test moves, reading a cloud that answers one server, spooling into `frames`. */
const scheduler = (path: string, clock: { now: number }, read?: CloudReader) => {
  const frames: AgentFrame[] = []
  const reads: ConnectorResourceType[] = []
  const instance = new ConnectorScheduler({
    identity,
    outbox: {
      submit: (frame) => {
        frames.push(frame)
        return 0
      },
    },
    path,
    secrets: () => ({}),
    log: quiet,
    now: () => clock.now,
    read:
      read ??
      (async (_spec, type) => {
        reads.push(type)
        return { entities: [], errors: [], complete: true }
      }),
  })
  return { instance, frames, reads }
}

describe('the connector scheduler', () => {
  it('syncs each type switched on at once, then on its interval, and at once when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'connectors-'))
    dirs.push(dir)
    const clock = { now: Date.parse('2026-12-06T10:00:00Z') }
    const { instance, frames, reads } = scheduler(join(dir, 'connectors.json'), clock)
    instance.delivered([delivered()])
    await instance.tick()
    expect(reads).toEqual(['datacenters', 'servers'])
    expect(frames.map((f) => [f.type, (f.data as { resource_type: string }).resource_type])).toEqual([
      ['io.sitewire.connector.sync_reported', 'datacenters'],
      ['io.sitewire.connector.sync_reported', 'servers'],
    ])
    clock.now += 299_000
    await instance.tick()
    expect(reads).toHaveLength(2)
    clock.now += 1_000
    await instance.tick()
    expect(reads).toEqual(['datacenters', 'servers', 'servers'])
    instance.delivered([delivered({ datacenters: 42 })])
    await instance.tick()
    expect(reads).toEqual(['datacenters', 'servers', 'servers', 'datacenters'])
    await instance.tick()
    expect(reads).toHaveLength(4)
  })

  it('keeps its connectors and runs on disk, so a restarted agent syncs on schedule without the platform', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'connectors-'))
    dirs.push(dir)
    const path = join(dir, 'connectors.json')
    const clock = { now: Date.parse('2026-12-06T10:00:00Z') }
    const first = scheduler(path, clock)
    first.instance.delivered([delivered()])
    await first.instance.tick()
    clock.now += 60_000
    const restarted = scheduler(path, clock)
    await restarted.instance.tick()
    expect(restarted.reads).toEqual([])
    clock.now += 240_000
    await restarted.instance.tick()
    expect(restarted.reads).toEqual(['servers'])
    restarted.instance.delivered([])
    clock.now += 3_600_000
    await restarted.instance.tick()
    expect(restarted.reads).toEqual(['servers'])
  })

  it('reports a problem the cloud reader raises as the sync’s error, incomplete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'connectors-'))
    dirs.push(dir)
    const clock = { now: Date.parse('2026-12-06T10:00:00Z') }
    const { instance, frames } = scheduler(join(dir, 'connectors.json'), clock, async () => {
      throw missingSecret('AWS_ACCESS_KEY_ID', identity.agent_id)
    })
    instance.delivered([delivered()])
    await instance.tick()
    expect(frames[0]?.data).toMatchObject({
      connector_id: CONNECTOR,
      complete: false,
      entities: [],
      errors: [
        {
          code: 'missing_secret',
          message: expect.stringContaining('sitewire-agent secrets set AWS_ACCESS_KEY_ID'),
        },
      ],
    })
  })
})
