import { existsSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { condition, keepResource, until } from '../testing/keep-resource'
import { tempDir } from '../testing/temp-dir'
import { nextCheckState } from './check-applier'

describe('supervised kinds', () => {
  it('Process: started, restarted when it dies, stopped when deleted', async () => {
    const { reports, remove } = keepResource(
      {
        kind: 'Process',
        name: 'sleeper',
        command: ['sleep', '30'],
        restart: 'always',
        restart_delay_seconds: 0,
      },
      [
        { name: 'pid', path: '.pid' },
        { name: 'restarts', path: '.restarts' },
      ],
    )
    const first = await until(() => reports().find((r) => typeof r.feedback.pid === 'number'))
    expect(condition(first, 'Available')).toMatchObject({ status: 'True' })
    process.kill(first.feedback.pid as number, 'SIGKILL')
    const restarted = await until(() =>
      reports().find((r) => r.feedback.restarts === 1 && typeof r.feedback.pid === 'number'),
    )
    expect(restarted.feedback.pid).not.toBe(first.feedback.pid)
    remove()
    await until(() => reports().find((r) => r.deleted))
    const pid = restarted.feedback.pid as number
    await until(() => {
      try {
        process.kill(pid, 0)
        return undefined
      } catch {
        return true
      }
    })
  })

  it('Check: failing runs the remediation once, which makes it pass again', async () => {
    const flag = join(tempDir(), 'healthy')
    const { reports } = keepResource(
      {
        kind: 'Check',
        name: 'healthy',
        command: ['test', '-f', flag],
        interval_seconds: 1,
        failures: 1,
        remediation: ['touch', flag],
      },
      [
        { name: 'state', path: '.state' },
        { name: 'remediations', path: '.remediations' },
      ],
    )
    const failing = await until(() => reports().find((r) => r.feedback.state === 'failing'))
    expect(condition(failing, 'Degraded')).toMatchObject({ status: 'True' })
    expect(condition(failing, 'Available')).toMatchObject({ status: 'False' })
    const passing = await until(() => reports().find((r) => r.feedback.state === 'passing'), 15_000)
    expect(existsSync(flag)).toBe(true)
    expect(passing.feedback.remediations).toBe(1)
    expect(condition(passing, 'Degraded')).toBeUndefined()
  })

  it('Check state machine: failures in a row before failing, one success to pass', () => {
    expect(nextCheckState('unknown', 0, false, 2)).toEqual({ state: 'unknown', failuresInRow: 1 })
    expect(nextCheckState('unknown', 1, false, 2)).toEqual({ state: 'failing', failuresInRow: 2 })
    expect(nextCheckState('failing', 2, true, 2)).toEqual({ state: 'passing', failuresInRow: 0 })
    expect(nextCheckState('passing', 0, false, 1)).toEqual({ state: 'failing', failuresInRow: 1 })
  })
})

describe('probes', () => {
  /** A local HTTP endpoint whose status the test sets; `requests` counts what it answered. */
  const endpoint = async () => {
    const state = { status: 503, body: 'starting', requests: 0 }
    const server = createServer((_request, response) => {
      state.requests += 1
      response.writeHead(state.status, { 'content-type': 'text/plain' }).end(state.body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => {
      server.close()
    })
    return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health` }
  }

  it('Check over HTTP: fails on a wrong status or a body without the text, passes once both are right', async () => {
    const { state, url } = await endpoint()
    const { reports } = keepResource(
      { kind: 'Check', name: 'web', http: { url, statuses: [200], contains: 'ok' }, interval_seconds: 1 },
      [
        { name: 'state', path: '.state' },
        { name: 'last', path: '.last_result' },
      ],
    )
    const failing = await until(() => reports().find((r) => r.feedback.state === 'failing'))
    expect(failing.feedback.last).toBe('answered 503')
    expect(condition(failing, 'Available')?.message).toContain('answered 503')
    Object.assign(state, { status: 200, body: 'starting' })
    await until(() => reports().find((r) => r.feedback.last === 'answered 200 without "ok"'), 15_000)
    state.body = 'ok'
    const passing = await until(() => reports().find((r) => r.feedback.state === 'passing'), 15_000)
    expect(passing.feedback.last).toBe('answered 200')
  })

  it('Check on a file: a heartbeat older than max_age_seconds fails, and the remediation renews it', async () => {
    const heartbeat = join(tempDir(), 'heartbeat')
    writeFileSync(heartbeat, 'alive\n')
    const old = new Date(Date.now() - 60_000)
    utimesSync(heartbeat, old, old)
    const { reports } = keepResource(
      {
        kind: 'Check',
        name: 'heartbeat',
        file: { path: heartbeat, max_age_seconds: 30, contains: 'alive' },
        interval_seconds: 1,
        remediation: ['touch', heartbeat],
      },
      [
        { name: 'state', path: '.state' },
        { name: 'last', path: '.last_result' },
        { name: 'remediations', path: '.remediations' },
      ],
    )
    const failing = await until(() => reports().find((r) => r.feedback.state === 'failing'))
    expect(failing.feedback.last).toMatch(new RegExp(`^${heartbeat} was last modified \\d+ s ago$`))
    const passing = await until(() => reports().find((r) => r.feedback.state === 'passing'), 15_000)
    expect(passing.feedback).toMatchObject({ last: `${heartbeat} is as expected`, remediations: 1 })
    expect(statSync(heartbeat).mtimeMs).toBeGreaterThan(old.getTime())
  })

  it('Process health: three failed probes in a row restart the process, even with restart: never', async () => {
    const heartbeat = join(tempDir(), 'beat')
    const { reports } = keepResource(
      {
        kind: 'Process',
        name: 'stale',
        // It beats once at start and never again: its heartbeat goes stale after 2 s.
        command: ['sh', '-c', `touch ${heartbeat}; exec sleep 60`],
        restart: 'never',
        restart_delay_seconds: 0,
        health: {
          file: { path: heartbeat, max_age_seconds: 2 },
          interval_seconds: 1,
          failures: 3,
          grace_seconds: 1,
        },
      },
      [
        { name: 'pid', path: '.pid' },
        { name: 'health_restarts', path: '.health.restarts' },
        { name: 'health', path: '.health.last_result' },
      ],
    )
    const first = await until(() => reports().find((r) => typeof r.feedback.pid === 'number'))
    const degraded = await until(
      () => reports().find((r) => condition(r, 'Degraded')?.status === 'True'),
      15_000,
    )
    expect(condition(degraded, 'Degraded')?.message).toMatch(
      /is failing its health check: .* was last modified/,
    )
    // The new copy beats at start and, within its grace second, is available again.
    await until(
      () =>
        reports().find(
          (r) =>
            r.feedback.health_restarts === 1 &&
            typeof r.feedback.pid === 'number' &&
            r.feedback.pid !== first.feedback.pid &&
            condition(r, 'Available')?.status === 'True',
        ),
      20_000,
    )
    expect(() => process.kill(first.feedback.pid as number, 0)).toThrow()
  })

  it('a process that stays healthy is never restarted by its check', async () => {
    const { state, url } = await endpoint()
    state.status = 200
    const { reports } = keepResource(
      {
        kind: 'Process',
        name: 'steady',
        command: ['sleep', '60'],
        health: { http: { url }, interval_seconds: 1, failures: 1, grace_seconds: 0 },
      },
      [
        { name: 'pid', path: '.pid' },
        { name: 'health', path: '.health.last_result' },
        { name: 'health_restarts', path: '.health.restarts' },
      ],
    )
    await until(() => (state.requests >= 3 ? true : undefined), 15_000)
    const last = reports().at(-1)
    expect(last?.feedback).toMatchObject({ health_restarts: 0 })
    expect(
      new Set(
        reports()
          .map((r) => r.feedback.pid)
          .filter((pid) => typeof pid === 'number'),
      ).size,
    ).toBe(1)
  })
})
