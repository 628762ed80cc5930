import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AGENT_VERSION_HEADER, PROTOCOL_HEADER } from '../schema/agent/protocol'
import { EventType } from '../schema/events/types'
import { type AgentConfig, resolveConfig } from './config'
import { enrol } from './enrol'
import { factsReported } from './frames'
import type { Identity } from './identity'
import { createLogger } from './log'
import { type RunningAgent, startAgent } from './run'
import { inspectSpool, Spool } from './spool'
import { statePaths } from './state-dir'
import { readRunStatus } from './status-file'
import { TestPlatform, waitFor } from './testing/platform'
import { AGENT_VERSION } from './version'

const quiet = createLogger('error', () => undefined)
const timing = { backoff: { baseMs: 20, capMs: 100 } }

let platform: TestPlatform
let config: AgentConfig
let identity: Identity
let agent: RunningAgent | undefined

beforeEach(async () => {
  platform = await TestPlatform.start()
  config = resolveConfig(
    { stateDir: mkdtempSync(join(tmpdir(), 'sitewire-agent-run-')), factsInterval: '3600' },
    {},
  )
  identity = await enrol(await platform.enrolmentToken(), config, quiet)
})
afterEach(async () => {
  await agent?.stop()
  agent = undefined
  await platform.close()
  rmSync(config.state_dir, { recursive: true, force: true })
})

/** Events an agent spooled while offline: reports of a label changing, oldest first. */
const spoolOffline = (count: number, maxBytes = 1_000_000) => {
  const spool = Spool.open(statePaths(config.state_dir).spool, { maxBytes })
  const ids: string[] = []
  for (let n = 1; n <= count; n++) {
    const frame = factsReported(identity, {
      changed: { labels: { step: String(n), pad: 'x'.repeat(100) } },
      removed: [],
    })
    spool.append({ id: frame.id, text: JSON.stringify(frame) })
    ids.push(frame.id)
  }
  spool.close()
  return ids
}

describe('startAgent', () => {
  it('replays unacknowledged events in order after reconnecting', async () => {
    const offline = spoolOffline(5)
    const [first, second, ...rest] = offline
    platform.shouldAck = (frame) => frame.id === first || frame.id === second
    agent = await startAgent({ config, log: quiet, connection: timing })

    await waitFor(
      () => offline.every((id) => platform.received.some((frame) => frame.id === id)),
      'the spooled events',
    )
    expect(platform.received.slice(0, 5).map((frame) => frame.id)).toEqual(offline)
    const attempt = platform.attempts[0]
    expect(attempt?.headers[AGENT_VERSION_HEADER]).toBe(AGENT_VERSION)
    expect(attempt?.headers[PROTOCOL_HEADER]).toBe('1')

    const cut = platform.received.length
    platform.shouldAck = () => true
    platform.dropConnections()
    await waitFor(() => inspectSpool(statePaths(config.state_dir).spool).count === 0, 'an empty spool')
    expect(platform.received.slice(cut, cut + 3).map((frame) => frame.id)).toEqual(rest)
    expect(platform.received.slice(cut).map((frame) => frame.id)).not.toContain(first)
    expect(platform.attempts.filter((a) => a.status === 101).length).toBe(2)

    await expect(agent.stop()).resolves.toEqual({ reason: 'stopped' })
    expect(readRunStatus(statePaths(config.state_dir).status)?.state).toBe('stopped')
    expect(existsSync(statePaths(config.state_dir).lock)).toBe(false)
  })

  it('tells the platform how many events it dropped while offline', async () => {
    const size = JSON.stringify(
      factsReported(identity, { changed: { labels: { step: '1', pad: 'x'.repeat(100) } }, removed: [] }),
    ).length
    spoolOffline(5, (size + 1) * 2)
    agent = await startAgent({ config, log: quiet, connection: timing })

    await waitFor(
      () => platform.received.some((frame) => frame.type === EventType.agentSpoolOverflowed),
      'the overflow event',
    )
    const overflow = platform.received.find((frame) => frame.type === EventType.agentSpoolOverflowed)
    expect(overflow?.data).toEqual({ agent_id: identity.agent_id, dropped: 3 })
    await waitFor(() => inspectSpool(statePaths(config.state_dir).spool).count === 0, 'an empty spool')
    expect(inspectSpool(statePaths(config.state_dir).spool).dropped).toBe(0)
  })

  it('reports its facts once connected', async () => {
    agent = await startAgent({
      config: { ...config, labels: { rack: 'r1' } },
      log: quiet,
      connection: timing,
    })
    await waitFor(() => platform.stored.size > 0, 'a facts report')
    const [report] = platform.stored.values()
    expect(report?.type).toBe(EventType.agentFactsReported)
    expect(report?.source).toBe(`/sites/${identity.site_id}/agents/${identity.agent_id}`)
    expect(report?.data).toMatchObject({ agent_id: identity.agent_id, changed: { labels: { rack: 'r1' } } })
  })

  it('drops an event the platform refuses, and keeps one it could not store yet', async () => {
    const [refused, delayed] = spoolOffline(2)
    platform.shouldAck = () => false
    agent = await startAgent({ config, log: quiet, connection: timing })
    // The spooled events, then the report collected at start: whole, as there is no baseline yet.
    await waitFor(() => platform.received.length >= 3, 'the spooled events and the first report')

    platform.send({
      type: 'error',
      code: 'invalid_frame',
      message: 'bad',
      event_id: refused ?? null,
      retryable: false,
    })
    platform.send({
      type: 'error',
      code: 'internal',
      message: 'try later',
      event_id: delayed ?? null,
      retryable: true,
    })
    const refusedAt = platform.received.length
    await waitFor(
      () => readRunStatus(statePaths(config.state_dir).status)?.events.rejected === 1,
      'the refusal',
    )
    // The platform now misses a report, so the next one is complete: the baseline is gone, or a
    // report collected meanwhile (a look at the host takes a moment) already went out whole.
    const complete = (frame: { type: string; data: unknown }) =>
      frame.type === EventType.agentFactsReported &&
      'hostname' in ((frame.data as { changed?: object }).changed ?? {})
    await waitFor(
      () =>
        !existsSync(statePaths(config.state_dir).facts) || platform.received.slice(refusedAt).some(complete),
      'the facts baseline forgotten',
    )

    const cut = platform.received.length
    platform.shouldAck = () => true
    platform.dropConnections()
    await waitFor(
      () => platform.received.slice(cut).some((frame) => frame.id === delayed),
      'the delayed event again',
    )
    expect(platform.received.slice(cut).map((frame) => frame.id)).not.toContain(refused)
  })

  it('stops for good when the platform refuses the agent', async () => {
    platform.refuseWith = 403
    agent = await startAgent({ config, log: quiet, connection: timing })
    await expect(agent.done).resolves.toEqual({ reason: 'refused', message: 'refused: agent_revoked' })
    expect(readRunStatus(statePaths(config.state_dir).status)).toMatchObject({
      state: 'refused',
      last_error: 'refused: agent_revoked',
    })
    expect(existsSync(statePaths(config.state_dir).lock)).toBe(false)
  })

  it('refuses to run twice on one state directory', async () => {
    agent = await startAgent({ config, log: quiet, connection: timing })
    await expect(startAgent({ config, log: quiet })).rejects.toThrow(
      `another agent (pid ${process.pid}) is running`,
    )
  })
})
