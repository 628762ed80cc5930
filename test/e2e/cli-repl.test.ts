import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createProgram } from '../../cli/program'
import { ReplCompleter } from '../../cli/repl-completer'
import { Session } from '../../cli/session'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { sitewire } from './cli-process'

/** `sitewire repl` driven through its stdin, and its completion of ids fetched from the platform. */
describe('sitewire repl', () => {
  let platform: RunningPlatform
  let dataDir: string
  let home: string
  let env: Record<string, string>
  let siteId: string
  let taskId: string
  const cli = (args: string[], input?: string) =>
    sitewire(args, { env, ...(input === undefined ? {} : { input }) })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-repl-e2e-'))
    home = await mkdtemp(join(tmpdir(), 'sitewire-repl-home-'))
    env = { XDG_CONFIG_HOME: join(home, 'config') }
    platform = await startPlatform({ dataDir, port: testPort(23) })
    expect((await cli(['login', platform.url, '--key-stdin'], platform.adminKey)).code).toBe(0)
    siteId = (await cli(['-q', 'sites', 'create', 'Lyon'])).stdout.trim()
    expect((await cli(['sites', 'use', siteId])).code).toBe(0)
    const file = join(home, 'task.json')
    await writeFile(
      file,
      JSON.stringify({ name: 'Uptime', steps: [{ kind: 'script', interpreter: 'sh', body: 'uptime' }] }),
    )
    taskId = (await cli(['-q', 'tasks', 'create', '-f', file])).stdout.trim()
  })

  afterAll(async () => {
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  })

  it('runs each line as a command, goes on after a failure, and keeps the history in a 0600 file', async () => {
    const repl = await cli(
      ['repl'],
      ['sites list', '--json tasks show Uptime', 'bogus', 'runs show NOPE', 'exit', 'sites list'].join('\n'),
    )
    expect(repl.code).toBe(0)
    const [table, ...json] = repl.stdout.split('\n')
    expect(table).toMatch(/^ ID\s+NAME/)
    expect(repl.stdout).toMatch(new RegExp(`${siteId}\\s+Lyon`))
    expect(JSON.parse(json.slice(1).join('\n'))).toMatchObject({ id: taskId, name: 'Uptime', version: 1 })
    expect(repl.stderr).toContain("error: unknown command 'bogus'")
    expect(repl.stderr).toContain('runId: must be a ULID')
    expect(repl.stderr).toContain('(exit 1)')
    // Nothing after `exit` ran: the site table shows once.
    expect(repl.stdout.match(/Lyon/g)).toHaveLength(1)
    const history = join(home, 'config', 'sitewire', 'history')
    expect(await readFile(history, 'utf8')).toBe(
      'sites list\n--json tasks show Uptime\nbogus\nruns show NOPE\n',
    )
    expect((await stat(history)).mode & 0o777).toBe(0o600)
  })

  it('completes commands, options and the ids the platform lists', async () => {
    const out = new PassThrough()
    const session = new Session({}, { ...process.env, ...env }, { out, err: out })
    const completer = new ReplCompleter(createProgram({ interactive: true }), session)
    expect(await completer.complete('si')).toEqual([['silence', 'silences', 'site', 'sites'], 'si'])
    expect((await completer.complete('tasks '))[0]).toEqual(
      expect.arrayContaining(['create', 'diff', 'show', 'versions']),
    )
    expect(await completer.complete('tasks show ')).toEqual([[taskId], ''])
    expect(await completer.complete(`run ${taskId.slice(0, 3)}`)).toEqual([[taskId], taskId.slice(0, 3)])
    expect(await completer.complete('sites show ')).toEqual([[siteId], ''])
    expect(await completer.complete('agents list --site ')).toEqual([[siteId], ''])
    expect((await completer.complete('run x --fo'))[0]).toEqual(['--follow'])
    expect(await completer.complete('logs ')).toEqual([[], ''])
  })
})
