import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SavedReport, SavedReportResult } from '../../schema/api/saved-reports'
import type { Site } from '../../schema/api/sites'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { sitewire } from './cli-process'

/** `sitewire inventory import` and `saved-reports`, against the platform `npm start` runs. */
describe('sitewire CLI: inventory import and saved reports', () => {
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

  it('saves a report, runs it, lists its results and downloads the file the live report gives', async () => {
    // The import above stored web-1; reports read the projection, which follows a moment behind.
    const live = async () =>
      (await cli(['inventory', 'report', '--kind', 'server', '--column', 'name', '--format', 'csv'])).stdout
    for (let tries = 0; !(await live()).includes('web-1'); tries++) {
      expect(tries).toBeLessThan(100)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const created = await cli([
      '--json',
      'inventory',
      'saved-reports',
      'create',
      '--name',
      'Servers',
      '--kind',
      'server',
      '--column',
      'name',
      '--format',
      'csv',
      '--cron',
      '0 6 * * 1',
      '--timezone',
      'Europe/Paris',
    ])
    expect(created.code, created.stderr).toBe(0)
    const report = JSON.parse(created.stdout) as SavedReport
    expect(report).toMatchObject({
      name: 'Servers',
      format: 'csv',
      schedule: { cron: '0 6 * * 1', timezone: 'Europe/Paris' },
    })

    const listed = await cli(['inventory', 'saved-reports', 'list'])
    expect(listed.stdout).toMatch(new RegExp(`${report.id}\\s+Servers\\s+csv\\s+0 6 \\* \\* 1 Europe/Paris`))

    const ran = await cli(['--json', 'inventory', 'saved-reports', 'run', report.id])
    expect(ran.code, ran.stderr).toBe(0)
    const result = JSON.parse(ran.stdout) as SavedReportResult
    expect(result).toMatchObject({ report_id: report.id, trigger: 'manual', status: 'succeeded', rows: 1 })

    const results = await cli(['inventory', 'saved-reports', 'results', report.id])
    expect(results.stdout).toMatch(
      new RegExp(`${result.id}\\s+\\S+\\s+manual\\s+succeeded\\s+1\\s+${result.bytes}`),
    )

    const output = join(home, 'servers-saved.csv')
    const downloaded = await cli(['inventory', 'saved-reports', 'download', report.id, '--output', output])
    expect(downloaded.code, downloaded.stderr).toBe(0)
    expect(await readFile(output, 'utf8')).toBe(await live())
    const toStdout = await cli(['inventory', 'saved-reports', 'download', report.id, result.id])
    expect(toStdout.stdout).toBe('name\r\nweb-1\r\n')

    const updated = await cli([
      '--json',
      'inventory',
      'saved-reports',
      'update',
      report.id,
      '--unschedule',
      '--name',
      'All servers',
    ])
    expect(JSON.parse(updated.stdout)).toMatchObject({
      name: 'All servers',
      schedule: null,
      next_run_at: null,
    })
    const refused = await cli([
      'inventory',
      'saved-reports',
      'create',
      '--name',
      'x',
      '--kind',
      'server',
      '--cron',
      '61 * * * *',
    ])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('cron')
    expect((await cli(['inventory', 'saved-reports', 'delete', report.id])).code).toBe(0)
    const gone = await cli(['inventory', 'saved-reports', 'get', report.id])
    expect(gone.code).not.toBe(0)
    expect(gone.stderr).toContain('not found')
  })
})
