import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Consumer, Resource } from '../../schema/api/resources'
import type { Site } from '../../schema/api/sites'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { sitewire } from './cli-process'

/** The `sitewire` CLI's resources, against the platform `npm start` runs. */
describe('sitewire CLI: resources', () => {
  let platform: RunningPlatform
  let dataDir: string
  let home: string
  let env: Record<string, string>
  const cli = (args: string[], input?: string) =>
    sitewire(args, { env, ...(input === undefined ? {} : { input }) })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-cli-resources-'))
    home = await mkdtemp(join(tmpdir(), 'sitewire-cli-resources-home-'))
    platform = await startPlatform({ dataDir, port: testPort(35) })
    env = {
      XDG_CONFIG_HOME: join(home, 'config'),
      SITEWIRE_URL: platform.url,
      SITEWIRE_KEY: platform.adminKey as string,
    }
    const created = await cli(['--json', 'sites', 'create', 'Resources DC', '--timezone', 'UTC'])
    expect(created.code).toBe(0)
    env.SITEWIRE_SITE = (JSON.parse(created.stdout) as Site).id
  }, 120_000)

  afterAll(async () => {
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  })

  it('applies a file twice (created, then changed), lists, describes and deletes', async () => {
    const consumer = await cli([
      '--json',
      'resources',
      'consumers',
      'create',
      'web',
      '--selector',
      'role=web',
    ])
    expect(consumer.code).toBe(0)
    expect(JSON.parse(consumer.stdout) as Consumer).toMatchObject({ name: 'web', selector: { role: 'web' } })

    const file = (content: string) =>
      [
        '- consumer: web',
        '  name: motd',
        `  manifest: { kind: File, path: /etc/motd, content: "${content}" }`,
        '  update_strategy: Update',
      ].join('\n')
    const first = await cli(['resources', 'apply', '-f', '-'], file('hello'))
    expect(first.stderr).toBe('')
    expect(first.stdout).toMatch(/^web\/motd created \([0-9A-Z]{26}, version 1\)\n$/)
    const again = await cli(['resources', 'apply', '-f', '-'], file('bye'))
    expect(again.stdout).toMatch(/^web\/motd changed \([0-9A-Z]{26}, version 2\)\n$/)
    expect((await cli(['resources', 'apply', '-f', '-'], file('bye'))).stdout).toContain('unchanged')

    const listed = JSON.parse((await cli(['--json', 'resources', 'get'])).stdout) as { items: Resource[] }
    expect(listed.items).toHaveLength(1)
    const [resource] = listed.items as [Resource]
    expect(resource).toMatchObject({ name: 'motd', version: 2, manifest: { content: 'bye' } })
    const described = await cli(['resources', 'describe', resource.id])
    expect(described.code).toBe(0)
    expect(described.stdout).toContain('motd')

    const unknown = await cli(
      ['resources', 'apply', '-f', '-'],
      file('x').replace('consumer: web', 'consumer: db'),
    )
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain('no consumer named db')

    expect((await cli(['resources', 'delete', resource.id])).code).toBe(0)
    expect(JSON.parse((await cli(['--json', 'resources', 'get'])).stdout)).toMatchObject({ items: [] })
  })
})
