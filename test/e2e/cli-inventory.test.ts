import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Site } from '../../schema/api/sites'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { sitewire } from './cli-process'

/** `sitewire inventory import`, against the platform `npm start` runs. */
describe('sitewire CLI: inventory import', () => {
  let platform: RunningPlatform
  let dataDir: string
  let home: string
  let env: Record<string, string>
  const cli = (args: string[]) => sitewire(args, { env })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-cli-inventory-'))
    home = await mkdtemp(join(tmpdir(), 'sitewire-cli-inventory-home-'))
    platform = await startPlatform({ dataDir, port: testPort(43) })
    env = {
      XDG_CONFIG_HOME: join(home, 'config'),
      SITEWIRE_URL: platform.url,
      SITEWIRE_KEY: platform.adminKey as string,
    }
    const created = await cli(['--json', 'sites', 'create', 'Inventory DC', '--timezone', 'UTC'])
    expect(created.code).toBe(0)
    env.SITEWIRE_SITE = (JSON.parse(created.stdout) as Site).id
  }, 120_000)

  afterAll(async () => {
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  })

  it('prints a failed import’s line report as a table, exits 1 and stores nothing', async () => {
    const file = join(home, 'servers.csv')
    await writeFile(file, 'name,attributes.hostname,attributes.memory_mb\r\nweb-1,web-1,4096\r\nweb-2,,x\r\n')
    const failed = await cli(['inventory', 'import', file, '--kind', 'server'])
    expect(failed.code).toBe(1)
    const lines = failed.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^\s*LINE\s+STATUS\s+ENTITY\s+ERRORS\s+WARNINGS\s*$/)
    expect(lines[1]).toMatch(/^\s*2\s+valid\s+-\s+-/)
    expect(lines[2]).toMatch(
      /^\s*3\s+invalid\s+-\s+attributes\.hostname: .+; attributes\.memory_mb: Invalid type: Expected number/,
    )
    expect(failed.stdout).not.toContain('{')
    expect(failed.stderr).toContain('1 of 2 lines fail; nothing was stored (422 import_failed)')
    expect(failed.stderr).not.toContain('"lines"')
    const listed = await cli(['--json', 'inventory', 'list'])
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toEqual([])

    const applied = await cli(['inventory', 'import', file, '--kind', 'server', '--apply-valid'])
    expect(applied.code).toBe(0)
    expect(applied.stdout).toMatch(/^\s*2\s+created\s+[0-9A-Z]{26}/m)
  })
})
