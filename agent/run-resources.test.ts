import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DesiredResource } from '../schema/resources/desired'
import { type AgentConfig, resolveConfig } from './config'
import { enrol } from './enrol'
import { createLogger } from './log'
import { type RunningAgent, startAgent } from './run'
import { TestPlatform, waitFor } from './testing/platform'

const quiet = createLogger('error', () => undefined)

let platform: TestPlatform
let config: AgentConfig
let agent: RunningAgent | undefined
let hostDir: string

beforeEach(async () => {
  platform = await TestPlatform.start()
  config = resolveConfig(
    { stateDir: mkdtempSync(join(tmpdir(), 'sitewire-agent-resources-')), factsInterval: '3600' },
    {},
  )
  hostDir = mkdtempSync(join(tmpdir(), 'sitewire-agent-host-'))
  await enrol(await platform.enrolmentToken(), config, quiet)
})
afterEach(async () => {
  await agent?.stop()
  agent = undefined
  await platform.close()
  rmSync(config.state_dir, { recursive: true, force: true })
  rmSync(hostDir, { recursive: true, force: true })
})

const file = (i: number): DesiredResource => ({
  resource_id: `01J00000000000000000000${String(i).padStart(3, '0')}`,
  version: 1,
  deleting: false,
  spec: {
    type: 'single',
    name: `f${i}`,
    manifests: [{ kind: 'File', path: join(hostDir, `f${i}`), content: `file ${i}\n`, mode: '0644' }],
    manifest_configs: [{ update_strategy: 'Update', feedback_rules: [] }],
    delete_option: 'Foreground',
    labels: {},
  },
})

describe('an agent keeping resources', () => {
  it('applies a desired set sent in parts once all its parts came, and reports each resource', async () => {
    agent = await startAgent({ config, log: quiet, connection: { backoff: { baseMs: 20, capMs: 100 } } })
    await waitFor(() => platform.sockets.size > 0, 'the agent to connect')
    platform.send({ type: 'resources', set: 's1', part: 1, parts: 2, resources: [file(1)], applier: null })
    await new Promise((resolve) => setTimeout(resolve, 200))
    // Half a set is no set: nothing is applied yet.
    expect(existsSync(join(hostDir, 'f1'))).toBe(false)
    platform.send({ type: 'resources', set: 's1', part: 2, parts: 2, resources: [file(2)], applier: null })
    await waitFor(() => existsSync(join(hostDir, 'f2')), 'the second file')
    expect(readFileSync(join(hostDir, 'f1'), 'utf8')).toBe('file 1\n')
    await waitFor(
      () =>
        platform.received.filter((frame) => frame.type === 'io.sitewire.resource.status_reported').length ===
        2,
      'a report of each resource',
    )
  })
})
