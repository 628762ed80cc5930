import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { AgentFrame } from '../../schema/agent/protocol'
import type { DesiredResource } from '../../schema/resources/desired'
import type { ResourceSpec } from '../../schema/resources/resource'
import { createLogger } from '../log'
import { tempDir } from '../testing/temp-dir'
import { ResourceKeeper } from './resource-keeper'

const identity = { site_id: '01J0000000000000000000SITE', agent_id: '01J0000000000000000000AGNT' }
const RESOURCE = '01J000000000000000RES0VRCE'

const keeperIn = (dir: string) => {
  const frames: AgentFrame[] = []
  const keeper = new ResourceKeeper({
    identity,
    outbox: {
      submit: (frame) => {
        frames.push(frame)
        return 0
      },
    },
    path: join(dir, 'resources.json'),
    log: createLogger('error', () => {}),
  })
  const reports = () =>
    frames.map(
      (frame) =>
        frame.data as {
          report: number
          deleted: boolean
          conditions: { type: string; status: string; reason: string }[]
          feedback: Record<string, unknown>
        },
    )
  return { keeper, frames, reports }
}

const fileSpec = (
  path: string,
  overrides: Partial<ResourceSpec> = {},
  content = 'hello\n',
): ResourceSpec => ({
  type: 'single',
  name: 'motd',
  manifests: [{ kind: 'File', path, content, mode: '0640' }],
  manifest_configs: [{ update_strategy: 'Update', feedback_rules: [{ name: 'sha256', path: '.sha256' }] }],
  delete_option: 'Foreground',
  labels: {},
  ...overrides,
})

const desired = (spec: ResourceSpec, version = 1, deleting = false): DesiredResource => ({
  resource_id: RESOURCE,
  version,
  spec,
  deleting,
})

const applied = (report: { conditions: { type: string; status: string; reason: string }[] }) =>
  report.conditions.find((c) => c.type === 'Applied')

describe('resource keeper', () => {
  it('creates a file, reports it once, and repairs drift with a report of its own', async () => {
    const dir = tempDir()
    const path = join(dir, 'etc', 'motd')
    const { keeper, reports } = keeperIn(dir)
    keeper.desired([desired(fileSpec(path))], null)
    await keeper.reconcile()
    expect(readFileSync(path, 'utf8')).toBe('hello\n')
    expect(reports()).toHaveLength(1)
    expect(reports()[0]).toMatchObject({ report: 1, observed_version: 1, deleted: false })
    expect(applied(reports()[0] as never)).toMatchObject({ status: 'True', reason: 'Applied' })
    expect(reports()[0]?.feedback.sha256).toMatch(/^[0-9a-f]{64}$/)

    await keeper.reconcile()
    expect(reports()).toHaveLength(1)

    writeFileSync(path, 'changed by hand\n')
    await keeper.reconcile()
    expect(readFileSync(path, 'utf8')).toBe('hello\n')
    expect(reports()).toHaveLength(2)
    expect(applied(reports()[1] as never)).toMatchObject({ status: 'True', reason: 'DriftRepaired' })
    chmodSync(path, 0o600)
    await keeper.reconcile()
    expect(reports().map((r) => r.report)).toEqual([1, 2, 3])
  })

  it('keeps the desired set and its report count across a restart', async () => {
    const dir = tempDir()
    const path = join(dir, 'motd')
    const first = keeperIn(dir)
    first.keeper.desired([desired(fileSpec(path))], null)
    await first.keeper.reconcile()
    const second = keeperIn(dir)
    writeFileSync(path, 'drifted\n')
    await second.keeper.reconcile()
    expect(readFileSync(path, 'utf8')).toBe('hello\n')
    expect(second.reports().map((r) => r.report)).toEqual([2])
  })

  it('follows the strategy: CreateOnly leaves what exists, ReadOnly only observes', async () => {
    const dir = tempDir()
    const path = join(dir, 'motd')
    writeFileSync(path, 'theirs\n')
    const createOnly = keeperIn(dir)
    const config = (update_strategy: 'CreateOnly' | 'ReadOnly') => ({ update_strategy, feedback_rules: [] })
    createOnly.keeper.desired([desired(fileSpec(path, { manifest_configs: [config('CreateOnly')] }))], null)
    await createOnly.keeper.reconcile()
    expect(readFileSync(path, 'utf8')).toBe('theirs\n')
    expect(applied(createOnly.reports()[0] as never)).toMatchObject({ status: 'True' })

    const other = tempDir()
    const readOnly = keeperIn(other)
    readOnly.keeper.desired(
      [desired(fileSpec(join(other, 'absent'), { manifest_configs: [config('ReadOnly')] }))],
      null,
    )
    await readOnly.keeper.reconcile()
    expect(existsSync(join(other, 'absent'))).toBe(false)
    expect(applied(readOnly.reports()[0] as never)).toMatchObject({ status: 'False', reason: 'NotFound' })
  })

  it('gives other kinds to the site’s applier command, manifest on stdin, its JSON output fed back', async () => {
    const dir = tempDir()
    const { keeper, reports } = keeperIn(dir)
    const applied = join(dir, 'applied.json')
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }
    const applier = ['sh', '-c', `cat > ${applied}; echo '{"status":{"readyReplicas":2}}'`]
    keeper.desired(
      [
        desired({
          ...fileSpec('/unused'),
          manifests: [deployment],
          manifest_configs: [
            {
              update_strategy: 'ServerSideApply',
              feedback_rules: [{ name: 'ready', path: '.status.readyReplicas' }],
            },
          ],
        }),
      ],
      applier,
    )
    await keeper.reconcile()
    expect(JSON.parse(readFileSync(applied, 'utf8'))).toEqual(deployment)
    expect(reports()[0]).toMatchObject({ feedback: { ready: 2 } })
    expect(reports()[0]?.conditions.find((c) => c.type === 'Applied')).toMatchObject({ status: 'True' })
  })

  it('answers NoApplier for kinds it has no applier for', async () => {
    const { keeper, reports } = keeperIn(tempDir())
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }
    keeper.desired([desired({ ...fileSpec('/unused'), manifests: [deployment] })], null)
    await keeper.reconcile()
    expect(applied(reports()[0] as never)).toMatchObject({ status: 'False', reason: 'NoApplier' })
  })

  it('removes on Foreground deletion and reports it gone; what leaves the set stays on the host', async () => {
    const dir = tempDir()
    const path = join(dir, 'motd')
    const { keeper, reports } = keeperIn(dir)
    keeper.desired([desired(fileSpec(path))], null)
    await keeper.reconcile()
    keeper.desired([desired(fileSpec(path), 1, true)], null)
    await keeper.reconcile()
    expect(existsSync(path)).toBe(false)
    expect(reports().at(-1)).toMatchObject({ report: 2, deleted: true })
    await keeper.reconcile()
    expect(reports()).toHaveLength(2)

    const orphan = join(dir, 'orphan')
    keeper.desired([{ ...desired(fileSpec(orphan)), resource_id: '01J0000000000000000000RPHN' }], null)
    await keeper.reconcile()
    keeper.desired([], null)
    await keeper.reconcile()
    expect(readFileSync(orphan, 'utf8')).toBe('hello\n')
  })

  it('makes directories and bundles several manifests into one status', async () => {
    const dir = tempDir()
    const { keeper, reports } = keeperIn(dir)
    const web = join(dir, 'srv', 'web')
    keeper.desired(
      [
        desired({
          ...fileSpec(join(web, 'index.html')),
          type: 'bundle',
          manifests: [
            { kind: 'Directory', path: web, mode: '0750' },
            { kind: 'File', path: join(web, 'index.html'), content: '<h1>hi</h1>', mode: '0644' },
          ],
          manifest_configs: [
            { update_strategy: 'Update', feedback_rules: [{ name: 'dir_mode', path: '.mode' }] },
            { update_strategy: 'Update', feedback_rules: [] },
          ],
        }),
      ],
      null,
    )
    await keeper.reconcile()
    expect(readFileSync(join(web, 'index.html'), 'utf8')).toBe('<h1>hi</h1>')
    expect(reports()[0]).toMatchObject({ feedback: { dir_mode: '0750' } })
    expect(applied(reports()[0] as never)).toMatchObject({ status: 'True', reason: 'Applied' })
  })

  it('reports each manifest of a bundle on its own: which one failed, and each one’s feedback', async () => {
    const dir = tempDir()
    const { keeper, frames } = keeperIn(dir)
    const good = join(dir, 'good.txt')
    // A file inside a file cannot be made: the second manifest fails, the first and third do not.
    const blocker = join(dir, 'blocker')
    writeFileSync(blocker, 'a file, not a directory\n')
    const spec: ResourceSpec = {
      type: 'bundle',
      name: 'web',
      manifests: [
        { kind: 'File', path: good, content: 'ok\n', mode: '0644' },
        { kind: 'File', path: join(blocker, 'inside.txt'), content: 'no\n', mode: '0644' },
        { kind: 'Directory', path: join(dir, 'made'), mode: '0755' },
      ],
      manifest_configs: [
        { update_strategy: 'Update', feedback_rules: [{ name: 'sha256', path: '.sha256' }] },
        { update_strategy: 'Update', feedback_rules: [] },
        { update_strategy: 'Update', feedback_rules: [{ name: 'mode', path: '.mode' }] },
      ],
      delete_option: 'Foreground',
      labels: {},
    }
    keeper.desired([desired(spec)], null)
    await keeper.reconcile()
    const report = frames.at(-1)?.data as {
      conditions: { type: string; status: string }[]
      manifests: {
        identity: string
        conditions: { type: string; status: string; message: string }[]
        feedback: Record<string, unknown>
      }[]
    }
    expect(report.conditions.find((c) => c.type === 'Applied')?.status).toBe('False')
    expect(report.manifests.map((m) => m.identity)).toEqual([
      `File/${good}`,
      `File/${join(blocker, 'inside.txt')}`,
      `Directory/${join(dir, 'made')}`,
    ])
    expect(report.manifests.map((m) => m.conditions.find((c) => c.type === 'Applied')?.status)).toEqual([
      'True',
      'False',
      'True',
    ])
    expect(report.manifests[1]?.conditions.find((c) => c.type === 'Applied')?.message).toMatch(
      /ENOTDIR|not a directory/,
    )
    expect(report.manifests[0]?.feedback.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(report.manifests[2]?.feedback).toEqual({ mode: '0755' })

    // Once a pass has found nothing to change ("in place"), the next one reports nothing new.
    await keeper.reconcile()
    const count = frames.length
    await keeper.reconcile()
    expect(frames.length).toBe(count)
    // The blocker gone, the second manifest applies and is reported.
    rmSync(blocker)
    await keeper.reconcile()
    const fixed = frames.at(-1)?.data as typeof report
    expect(fixed.manifests.map((m) => m.conditions.find((c) => c.type === 'Applied')?.status)).toEqual([
      'True',
      'True',
      'True',
    ])
    expect(existsSync(join(blocker, 'inside.txt'))).toBe(true)
  })

  it('reports no per-manifest status for a single resource', async () => {
    const dir = tempDir()
    const { keeper, frames } = keeperIn(dir)
    keeper.desired([desired(fileSpec(join(dir, 'motd')))], null)
    await keeper.reconcile()
    expect(frames.at(-1)?.data).not.toHaveProperty('manifests')
  })
})
