import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { statePaths } from './state-dir'
import { TestPlatform, waitFor } from './testing/platform'
import { tempDir } from './testing/temp-dir'
import { AGENT_VERSION } from './version'

const root = new URL('..', import.meta.url).pathname

/** The agent as a real process, its output gathered line by line. */
const start = (args: string[]) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'agent/cli.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  })
  const output = { stdout: '', stderr: '' }
  child.stdout.on('data', (chunk) => (output.stdout += chunk))
  child.stderr.on('data', (chunk) => (output.stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const lines = () =>
    output.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"time"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { child, output, exited, lines }
}
const agentCli = async (args: string[], stdin = '') => {
  const run = start(args)
  run.child.stdin.end(stdin)
  return { code: await run.exited, ...run.output, lines: run.lines() }
}
const stateDir = () => tempDir('sitewire-agent-cli-')

const children: ChildProcess[] = []
const platforms: TestPlatform[] = []
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  for (const platform of platforms.splice(0)) await platform.close()
})

describe('sitewire-agent', () => {
  it('prints help for itself and each command, and its version', async () => {
    const help = await agentCli(['--help'])
    expect(help.code).toBe(0)
    for (const command of ['enrol <token>', 'run', 'status', 'reset', 'secrets'])
      expect(help.stdout).toContain(command)
    const secretsHelp = await agentCli(['secrets', '--help'])
    for (const command of ['set <name>', 'list', 'unset <name>'])
      expect(secretsHelp.stdout).toContain(command)
    const runHelp = await agentCli(['run', '--help'])
    expect(runHelp.stdout).toContain('--state-dir <dir>')
    expect((await agentCli(['--version'])).stdout.trim()).toBe(AGENT_VERSION)
  })

  it('shows the status of an empty state directory', async () => {
    const dir = stateDir()
    const result = await agentCli(['status', '--json', '--state-dir', dir])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      state_dir: dir,
      config_file: { path: join(dir, 'agent.json'), present: false },
      enrolled: false,
      identity: null,
      running_pid: null,
      connection: null,
      spool: { count: 0, bytes: 0, dropped: 0 },
    })
    expect((await agentCli(['status', '--state-dir', dir])).stdout).toContain('enrolled:    no')
  })

  it('sets secrets from standard input, lists their names only, and unsets them', async () => {
    const dir = stateDir()
    const value = 'correct horse battery staple'
    const set = await agentCli(['secrets', 'set', 'DB_PASSWORD', '--state-dir', dir], `${value}\n`)
    expect(set.code).toBe(0)
    expect(set.lines[0]).toMatchObject({ level: 'info', msg: 'secret set', name: 'DB_PASSWORD' })
    expect((await agentCli(['secrets', 'set', 'API_TOKEN', '--state-dir', dir], 'tok3n-value')).code).toBe(0)
    const path = statePaths(dir).secrets
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ DB_PASSWORD: value, API_TOKEN: 'tok3n-value' })

    const list = await agentCli(['secrets', 'list', '--state-dir', dir])
    expect(list).toMatchObject({ code: 0, stdout: 'API_TOKEN\nDB_PASSWORD\n' })

    const short = await agentCli(['secrets', 'set', 'PIN', '--state-dir', dir], '123\n')
    expect(short.code).toBe(1)
    expect(short.lines[0]?.msg).toMatch(/cannot set PIN: a secret value has at least 4 characters/)
    expect(short.stdout).not.toContain('123')

    expect((await agentCli(['secrets', 'unset', 'API_TOKEN', '--state-dir', dir])).code).toBe(0)
    const again = await agentCli(['secrets', 'unset', 'API_TOKEN', '--state-dir', dir])
    expect(again.code).toBe(1)
    expect(again.lines[0]?.msg).toBe('there is no secret API_TOKEN')
    expect((await agentCli(['secrets', 'list', '--state-dir', dir])).stdout).toBe('DB_PASSWORD\n')
    for (const run of [set, list]) expect(run.stdout + run.stderr).not.toContain(value)
  })

  it('resets only with --yes, and keeps the config file', async () => {
    const dir = stateDir()
    const paths = statePaths(dir)
    for (const file of [paths.key, paths.identity, paths.config]) writeFileSync(file, '{}')
    mkdirSync(paths.spool)

    const refused = await agentCli(['reset', '--state-dir', dir])
    expect(refused.code).toBe(1)
    expect(refused.lines[0]).toMatchObject({
      level: 'error',
      msg: expect.stringContaining('Run it with --yes'),
    })
    expect(existsSync(paths.key)).toBe(true)

    const done = await agentCli(['reset', '--yes', '--state-dir', dir])
    expect(done.code).toBe(0)
    expect([paths.key, paths.identity, paths.spool].some((path) => existsSync(path))).toBe(false)
    expect(existsSync(paths.config)).toBe(true)
  })

  it('enrols, runs until SIGTERM, and reports it all in status', async () => {
    const platform = await TestPlatform.start()
    platforms.push(platform)
    const dir = stateDir()
    const enrolled = await agentCli([
      'enrol',
      await platform.enrolmentToken(),
      '--state-dir',
      dir,
      '--label',
      'env=ci',
    ])
    expect(enrolled.code).toBe(0)
    expect(enrolled.lines[0]).toMatchObject({ level: 'info', msg: 'enrolled', site_id: platform.siteId })
    expect(enrolled.stdout).not.toMatch(/eyJ/)

    const agent = start(['run', '--state-dir', dir, '--facts-interval', '1'])
    children.push(agent.child)
    await waitFor(() => agent.lines().some((line) => line.msg === 'connected'), 'the connected line')
    await waitFor(() => agent.lines().some((line) => line.msg === 'acked'), 'an acked line')
    expect(platform.stored.size).toBeGreaterThan(0)

    const running = JSON.parse((await agentCli(['status', '--json', '--state-dir', dir])).stdout)
    expect(running).toMatchObject({
      enrolled: true,
      identity: { site_id: platform.siteId, url: platform.url },
      running_pid: agent.child.pid,
      connection: { state: 'connected', agent_status: 'approved' },
    })

    agent.child.kill('SIGTERM')
    expect(await agent.exited).toBe(0)
    expect(agent.output.stdout).not.toMatch(/eyJ|PRIVATE KEY/)
    const stopped = JSON.parse((await agentCli(['status', '--json', '--state-dir', dir])).stdout)
    expect(stopped).toMatchObject({
      running_pid: null,
      connection: { state: 'stopped' },
      spool: { count: 0 },
    })
  })

  it('exits with 3 when the platform refuses the agent', async () => {
    const platform = await TestPlatform.start()
    platforms.push(platform)
    const dir = stateDir()
    expect((await agentCli(['enrol', await platform.enrolmentToken(), '--state-dir', dir])).code).toBe(0)
    platform.refuseWith = 403
    const run = await agentCli(['run', '--state-dir', dir])
    expect(run.code).toBe(3)
    expect(run.lines.at(-1)).toMatchObject({
      level: 'error',
      msg: 'the platform refused this agent; not retrying',
    })
  })
})
