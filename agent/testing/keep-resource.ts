import { join } from 'node:path'
import * as v from 'valibot'
import { onTestFinished } from 'vitest'
import type { AgentFrame } from '../../schema/agent/protocol'
import { Manifest } from '../../schema/resources/manifest'
import type { FeedbackRule, UpdateStrategy } from '../../schema/resources/resource'
import { createLogger } from '../log'
import { ResourceKeeper } from '../resources/resource-keeper'
import type { SystemdSettings } from '../resources/systemd-unit-applier'
import { tempDir } from './temp-dir'

const identity = { site_id: '01J0000000000000000000SITE', agent_id: '01J0000000000000000000AGNT' }
const RESOURCE = '01J000000000000000RES0VRCE'

/** A status report as the keeper spooled it. */
export interface KeptReport {
  report: number
  deleted: boolean
  conditions: { type: string; status: string; reason: string; message: string }[]
  feedback: Record<string, unknown>
}

/** Waits for `check` to give a value, polling, up to `ms`. */
export const until = async <T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export const condition = (report: KeptReport | undefined, type: string) =>
  report?.conditions.find((c) => c.type === type)

/**
 * A real keeper, checking every 100 ms, given one resource of one manifest; `remove()` asks for
 * its Foreground deletion. The reports it spools are collected, in order.
 */
export const keepResource = (
  manifest: v.InferInput<typeof Manifest>,
  feedbackRules: FeedbackRule[],
  options: { strategy?: UpdateStrategy; systemd?: SystemdSettings } = {},
) => {
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
    ...(options.systemd ? { systemd: options.systemd } : {}),
  })
  onTestFinished(() => keeper.stop())
  const resource = (deleting: boolean) => ({
    resource_id: RESOURCE,
    version: 1,
    deleting,
    spec: {
      type: 'single' as const,
      name: 'kept',
      // As the platform stores it: checked, with its defaults.
      manifests: [v.parse(Manifest, manifest)],
      manifest_configs: [{ update_strategy: options.strategy ?? 'Update', feedback_rules: feedbackRules }],
      delete_option: 'Foreground' as const,
      labels: {},
    },
  })
  keeper.desired([resource(false)], null)
  keeper.start()
  const reports = () => frames.map((frame) => frame.data as KeptReport)
  return { keeper, reports, remove: () => keeper.desired([resource(true)], null) }
}
