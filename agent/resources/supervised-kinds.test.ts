import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AgentFrame } from '../../schema/agent/protocol'
import type { Manifest } from '../../schema/resources/manifest'
import type { FeedbackRule } from '../../schema/resources/resource'
import { createLogger } from '../log'
import { tempDir } from '../testing/temp-dir'
import { nextCheckState } from './check-applier'
import { ResourceKeeper } from './resource-keeper'

const identity = { site_id: '01J0000000000000000000SITE', agent_id: '01J0000000000000000000AGNT' }
const RESOURCE = '01J000000000000000RES0VRCE'

interface Report {
  report: number
  deleted: boolean
  conditions: { type: string; status: string; reason: string }[]
  feedback: Record<string, unknown>
}

const keep = (manifest: Manifest, feedbackRules: FeedbackRule[]) => {
  const frames: AgentFrame[] = []
  const keeper = new ResourceKeeper({
    identity,
    outbox: {
      submit: (frame) => {
        frames.push(frame)
        return 0
      },
    },
    path: join(tempDir(), 'resources.json'),
    log: createLogger('error', () => {}),
    intervalMs: 100,
  })
  onTestFinished(() => keeper.stop())
  const resource = (deleting: boolean) => ({
    resource_id: RESOURCE,
    version: 1,
    deleting,
    spec: {
      type: 'single' as const,
      name: 'kept',
      manifests: [manifest],
      manifest_configs: [{ update_strategy: 'Update' as const, feedback_rules: feedbackRules }],
      delete_option: 'Foreground' as const,
      labels: {},
    },
  })
  keeper.desired([resource(false)], null)
  keeper.start()
  const reports = () => frames.map((frame) => frame.data as Report)
  const until = async <T>(check: () => T | undefined, ms = 10_000): Promise<T> => {
    const deadline = Date.now() + ms
    for (;;) {
      const value = check()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error('condition not met in time')
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  return { keeper, reports, until, remove: () => keeper.desired([resource(true)], null) }
}

const condition = (report: Report | undefined, type: string) =>
  report?.conditions.find((c) => c.type === type)

describe('supervised kinds', () => {
  it('Process: started, restarted when it dies, stopped when deleted', async () => {
    const { reports, until, remove } = keep(
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
    const { reports, until } = keep(
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
