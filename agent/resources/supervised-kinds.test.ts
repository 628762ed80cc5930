import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
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
