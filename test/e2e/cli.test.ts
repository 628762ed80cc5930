import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreatedApiKey } from '../../schema/api/access'
import type { Run } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import type { Task } from '../../schema/api/tasks'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgent, until } from './agent-process'
import { sitewire } from './cli-process'

const TASK_YAML = `# a task as an operator writes it
name: Greet
params:
  - name: who
    type: string
    default: world
  - name: code
    type: number
    default: 0
steps:
  - kind: script
    interpreter: sh
    body: |
      echo "hello {{ params.who }}"
      echo "careful" >&2
      exit {{ params.code }}
    timeout_seconds: 30
`

/** The `sitewire` CLI as a user runs it, against the platform `npm start` runs and a real agent. */
describe('sitewire CLI end to end', () => {
  let platform: RunningPlatform
  let dataDir: string
  let home: string
  let env: Record<string, string>
  let siteId: string
  let agentId: string
  let agent: ChildProcess | undefined
  const cli = (args: string[], input?: string) =>
    sitewire(args, { env, ...(input === undefined ? {} : { input }) })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-cli-e2e-'))
    home = await mkdtemp(join(tmpdir(), 'sitewire-cli-home-'))
    env = { XDG_CONFIG_HOME: join(home, 'config') }
    platform = await startPlatform({ dataDir, port: testPort(21) })
  })

  afterAll(async () => {
    agent?.kill('SIGINT')
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  })

  it('logs in with an API key read from stdin and keeps it in a 0600 file', async () => {
    const login = await cli(
      ['login', platform.url, '--key-stdin', '--name', 'local'],
      `${platform.adminKey}\n`,
    )
    expect(login.stderr).toContain(`Signed in to ${platform.url} as API key`)
    expect(login.stderr).toContain('context "local" is current')
    expect(login.code).toBe(0)
    const path = join(home, 'config', 'sitewire', 'config.json')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const config = JSON.parse(await readFile(path, 'utf8'))
    expect(config.current).toBe('local')
    expect(config.contexts.local).toEqual({
      url: platform.url,
      credentials: { type: 'key', key: platform.adminKey },
    })
  })

  it('signs in with an email and password into its own context, writes with the session, and logs out', async () => {
    const login = await cli(
      ['login', platform.url, '--email', 'admin@localhost', '--password-stdin', '--name', 'session'],
      `${platform.adminPassword}\n`,
    )
    expect(login.stderr).toContain(`Signed in to ${platform.url} as admin@localhost (admin)`)
    expect(login.code).toBe(0)
    const me = await cli(['--json', 'whoami'])
    expect(JSON.parse(me.stdout)).toMatchObject({
      actor: { type: 'user' },
      user: { email: 'admin@localhost' },
    })
    const created = await cli(['-q', 'sites', 'create', 'Session site'])
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}\n$/)
    const contexts = await cli(['context', 'list'])
    expect(contexts.stdout).toMatch(/^ \*\s+session\s+\S+\s+session admin@localhost/m)
    expect((await cli(['logout'])).code).toBe(0)
    const after = await cli(['whoami'])
    expect(after.code).toBe(1)
    expect(after.stderr).toMatch(/^error: .* \(401 \w+\)\n {2}log in first with `sitewire login`\n$/)
    expect((await cli(['context', 'use', 'local'])).code).toBe(0)
  })

  it('creates a site, prints it as JSON, and makes it the default', async () => {
    const created = await cli([
      '--json',
      'sites',
      'create',
      'Paris DC1',
      '--timezone',
      'Europe/Paris',
      '--label',
      'env=prod',
    ])
    expect(created.code).toBe(0)
    const site = JSON.parse(created.stdout) as Site
    expect(site).toMatchObject({
      name: 'Paris DC1',
      timezone: 'Europe/Paris',
      labels: { env: 'prod' },
      status: 'active',
    })
    siteId = site.id
    expect((await cli(['sites', 'use', siteId])).code).toBe(0)
    const listed = await cli(['sites', 'list'])
    expect(listed.stdout.split('\n')[0]).toMatch(/^ ID\s+NAME\s+STATUS\s+TIMEZONE\s+APPROVAL\s+LABELS$/)
    expect(listed.stdout).toMatch(
      new RegExp(`${siteId}\\s+Paris DC1\\s+active\\s+Europe/Paris\\s+automatic\\s+env=prod`),
    )
    expect((await cli(['-q', 'sites', 'list', '--label', 'env=prod'])).stdout).toBe(`${siteId}\n`)
  })

  it('refuses bad input before sending it, naming the field', async () => {
    const bad = await cli(['sites', 'create', 'Lyon', '--timezone', 'Mars/Olympus'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('error: invalid site')
    expect(bad.stderr).toContain('timezone: must be an IANA time zone such as Europe/Paris')
  })

  it('enrols a real agent with a token the CLI created', async () => {
    const token = await cli(['-q', 'tokens', 'create', '--label', 'role=web'])
    expect(token.code).toBe(0)
    const stateDir = join(home, 'agent')
    const enrol = runAgent(['enrol', token.stdout.trim(), '--state-dir', stateDir])
    expect(await enrol.exited).toBe(0)
    agent = runAgent(['run', '--state-dir', stateDir]).child
    agentId = await until('the agent online', async () => {
      const listed = await cli(['--json', 'agents', 'list', '--presence', 'online'])
      return (JSON.parse(listed.stdout) as { items: { id: string }[] }).items[0]?.id
    })
    const tokens = await cli(['tokens', 'list'])
    expect(tokens.stdout).toMatch(/1\/1/)
  })

  it('creates a task from a YAML file, and shows a broken file’s issues by field', async () => {
    const file = join(home, 'greet.yaml')
    await writeFile(file, TASK_YAML)
    const created = await cli(['--json', 'tasks', 'create', '-f', file])
    expect(created.code).toBe(0)
    expect(JSON.parse(created.stdout) as Task).toMatchObject({ name: 'Greet', version: 1 })

    const broken = join(home, 'broken.yaml')
    await writeFile(broken, 'name: Broken\nsteps:\n  - kind: script\n    interpreter: cobol\n    body: x\n')
    const refused = await cli(['tasks', 'create', '-f', broken])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`error: invalid task in ${broken}`)
    expect(refused.stderr).toMatch(/steps\.0\.interpreter: /)
  })

  it('runs the task with --follow: each line prefixed by its host, exit code 0', async () => {
    const followed = await cli(['run', 'Greet', '--label', 'role=web', '-p', 'who=operators', '--follow'])
    expect(followed.stderr).toMatch(/run \S+ succeeded: 1 succeeded, 0 failed/)
    expect(followed.code).toBe(0)
    const lines = followed.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^\S+\s* │ hello operators$/)
    expect(lines[1]).toMatch(/^\S+\s* │ careful$/)
  })

  it('exits 3 when a step fails, saying which step on which host and how', async () => {
    const followed = await cli(['run', 'Greet', '--agent', agentId, '-p', 'code=7', '--follow'])
    expect(followed.code).toBe(3)
    expect(followed.stdout).toMatch(/│ hello world\n/)
    expect(followed.stderr).toMatch(/run \S+ failed: 0 succeeded, 1 failed/)
    expect(followed.stderr).toMatch(/step 0 "script 1" attempt 1: failed \(exit 7\): exited with code 7/)
    const refused = await cli(['run', 'Greet', '--agent', agentId, '-p', 'colour=red'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('the task takes no parameter "colour"')
  })

  it('lists runs as JSON that parses, newest first', async () => {
    const listed = await cli(['--json', 'runs', 'list'])
    expect(listed.code).toBe(0)
    const page = JSON.parse(listed.stdout) as { items: Run[]; next_cursor: string | null }
    expect(page.items.map((run) => run.status)).toEqual(['failed', 'succeeded'])
    expect(page.items[0]?.params).toEqual({ who: 'world', code: 7 })
    const logs = await cli(['logs', page.items[1]?.id ?? ''])
    expect(logs.stdout).toMatch(/│ hello operators\n/)
    expect(logs.code).toBe(0)
  })

  it("prints a viewer's refused write with the API's message and exits 1", async () => {
    const response = await fetch(`${platform.url}/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dashboard', role: 'viewer' }),
    })
    const viewer = (await response.json()) as CreatedApiKey
    const asViewer = (args: string[]) =>
      sitewire(args, { env: { ...env, SITEWIRE_KEY: viewer.secret ?? '' } })
    expect((await asViewer(['sites', 'list'])).code).toBe(0)
    const refused = await asViewer(['sites', 'create', 'Lyon'])
    expect(refused.stderr).toBe('error: this needs the admin role (403 forbidden)\n')
    expect(refused.code).toBe(1)
  })

  it('sends an event and tails it back over the WebSocket', async () => {
    const sent = await cli([
      '--json',
      'events',
      'send',
      '--type',
      'com.example.deploy.finished',
      '--source',
      '/ci',
      '--id',
      'deploy-1',
      '--data',
      '{"ok":true}',
    ])
    expect(sent.code).toBe(0)
    const { items } = JSON.parse(sent.stdout) as { items: { seq: number; duplicate: boolean }[] }
    expect(items[0]?.duplicate).toBe(false)
    const tail = await cli([
      '--json',
      'events',
      'tail',
      '--after',
      String((items[0]?.seq ?? 1) - 1),
      '--count',
      '1',
    ])
    expect(tail.code).toBe(0)
    expect(JSON.parse(tail.stdout)).toMatchObject({
      id: 'deploy-1',
      type: 'com.example.deploy.finished',
      data: { ok: true },
    })
    const page = await cli([
      '--json',
      'events',
      'list',
      '--after',
      String((items[0]?.seq ?? 1) - 1),
      '--limit',
      '1',
    ])
    expect(JSON.parse(page.stdout)).toMatchObject({
      items: [{ id: 'deploy-1', seq: items[0]?.seq }],
      next_cursor: null,
    })
    const table = await cli(['events', 'list', '--after', '0', '--limit', '1'])
    expect(table.stdout).toMatch(
      /^ SEQ\s+TIME\s+TYPE\s+SUBJECT\s+DATA\n 1\s+\S+\s+io\.sitewire\.site\.created/,
    )
    expect(table.stderr).toBe('more: --after 1\n')
  })
})
