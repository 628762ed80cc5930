import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alert, AlertRecord, Silence } from '../../schema/api/alerts'
import type { Rule, RuleTrigger } from '../../schema/api/rules'
import type { Site } from '../../schema/api/sites'
import type { Task } from '../../schema/api/tasks'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { until } from './agent-process'
import { sitewire } from './cli-process'

/** One Alertmanager webhook with a single firing alert, as Alertmanager 0.27 posts it. */
const alertmanagerDelivery = (alert: {
  fingerprint: string
  instance: string
  service: string
  dc?: string
}) => ({
  receiver: 'sitewire',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'HighLatency',
        instance: alert.instance,
        service: alert.service,
        severity: 'critical',
        ...(alert.dc ? { dc: alert.dc } : {}),
      },
      annotations: { summary: 'p99 latency high' },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom.example/graph',
      fingerprint: alert.fingerprint,
    },
  ],
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://am.example',
  version: '4',
  groupKey: '{}:{alertname="HighLatency"}',
  truncatedAlerts: 0,
})

/** The `sitewire` CLI's alerts, integrations, silences and rules, against the platform `npm start` runs. */
describe('sitewire CLI: alerts', () => {
  let platform: RunningPlatform
  let dataDir: string
  let home: string
  let env: Record<string, string>
  let hookUrl = ''
  let secret = ''
  let integrationId = ''
  let alertId = ''
  const cli = (args: string[], input?: string) =>
    sitewire(args, { env, ...(input === undefined ? {} : { input }) })
  const deliver = (body: unknown) =>
    fetch(hookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-cli-alerts-'))
    home = await mkdtemp(join(tmpdir(), 'sitewire-cli-alerts-home-'))
    platform = await startPlatform({ dataDir, port: testPort(31) })
    env = {
      XDG_CONFIG_HOME: join(home, 'config'),
      SITEWIRE_URL: platform.url,
      SITEWIRE_KEY: platform.adminKey as string,
    }
    const created = await cli(['--json', 'sites', 'create', 'Alerts DC', '--timezone', 'UTC'])
    expect(created.code).toBe(0)
    env.SITEWIRE_SITE = (JSON.parse(created.stdout) as Site).id
  }, 120_000)

  afterAll(async () => {
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  })

  it('creates an Alertmanager integration, printing its secret once with the setup to paste', async () => {
    const created = await cli(['integrations', 'create', '--name', 'prometheus', '--kind', 'alertmanager'])
    expect(created.code).toBe(0)
    const field = (name: string) => new RegExp(`^${name}\\s+(\\S+)$`, 'm').exec(created.stdout)?.[1] ?? ''
    integrationId = field('id')
    secret = field('secret')
    hookUrl = field('hook url')
    expect(integrationId).toMatch(/^[0-9A-Z]{26}$/)
    expect(hookUrl).toBe(`${platform.url}/v1/hooks/${env.SITEWIRE_SITE}/${integrationId}`)
    expect(secret.length).toBeGreaterThan(20)
    expect(created.stdout).toContain('Sender setup (yaml):')
    expect(created.stdout).toContain(`url: ${hookUrl}`)
    expect(created.stdout).toContain(`credentials: ${secret}`)
    expect(created.stderr).toContain('The secret is shown this once')

    // Shown again, the setup has a placeholder; the secret itself is not kept anywhere to show.
    const shown = await cli(['integrations', 'get', integrationId])
    expect(shown.stdout).toContain('credentials: <secret>')
    expect(shown.stdout).not.toContain(secret)

    // A kind the platform does not know is refused before anything is sent (by commander, which exits 1).
    const bad = await cli(['integrations', 'create', '--name', 'x', '--kind', 'nagios'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain("argument 'nagios' is invalid")
    expect((await cli(['-q', 'integrations', 'list'])).stdout).toBe(`${integrationId}\n`)
  })

  it('lists the alert a delivery fired, acknowledges it, and shows that in its history', async () => {
    const delivered = await deliver(
      alertmanagerDelivery({ fingerprint: 'd0c296e49fc4ad26', instance: 'web-1', service: 'api' }),
    )
    expect(delivered.status).toBe(200)

    const listed = await cli(['alerts', 'list', '--status', 'firing'])
    expect(listed.code).toBe(0)
    expect(listed.stdout.split('\n')[0]).toMatch(
      /^ ID\s+STATUS\s+SEVERITY\s+NAME\s+LABELS\s+STARTED\s+EPISODE\s+MARKS$/,
    )
    expect(listed.stdout).toMatch(/firing\s+critical\s+HighLatency\s+alertname=HighLatency,instance=web-1/)
    const json = await cli(['--json', 'alerts', 'list', '--label', 'instance=web-1', '-s', 'latency'])
    const alerts = (JSON.parse(json.stdout) as { items: Alert[] }).items
    expect(alerts.map((alert) => alert.fingerprint)).toEqual(['d0c296e49fc4ad26'])
    alertId = alerts[0]?.id ?? ''
    expect((await cli(['-q', 'alerts', 'list', '--label', 'instance=web-2'])).stdout).toBe('')

    const counts = await cli(['alerts', 'counts', '--status', 'firing'])
    expect(counts.stdout).toMatch(/all\s+1\s+1\s+0\s+0\s+0\s+0/)

    const acked = await cli(['alerts', 'ack', alertId, '--note', 'rolling back'])
    expect(acked.code).toBe(0)
    expect(acked.stdout).toMatch(/MARKS\s+acked/)
    const shown = await cli(['alerts', 'get', alertId])
    expect(shown.stdout).toMatch(/^acknowledged\s+by \S+ at \S+: rolling back$/m)
    expect(shown.stdout).toMatch(/^links\s+source: http:\/\/prom\.example\/graph$/m)
    const history = await cli(['alerts', 'history', alertId])
    expect(history.stdout).toMatch(/fired\s+integration\/\S+\s+p99 latency high/)
    expect(history.stdout).toMatch(/acknowledged\s+\S+\s+rolling back/)

    const deliveries = await cli(['integrations', 'deliveries', integrationId])
    expect(deliveries.stdout).toContain(`fired ${alertId}`)
  })

  it('creates a tenant-wide integration that routes alerts to sites by label, and lists where each went', async () => {
    // Another site, so this one's alerts and deliveries stay as the other tests count them.
    const other = await cli(['--json', 'sites', 'create', 'Routed DC', '--timezone', 'UTC'])
    const site = (JSON.parse(other.stdout) as Site).id
    const misplaced = await cli([
      'integrations',
      'create',
      '--name',
      'x',
      '--kind',
      'alertmanager',
      '--route',
      `par=${site}`,
    ])
    expect(misplaced.code).toBe(2)
    expect(misplaced.stderr).toContain('routing is for tenant-wide integrations: add --tenant-wide')

    const created = await cli([
      'integrations',
      'create',
      '--tenant-wide',
      '--name',
      'central',
      '--kind',
      'alertmanager',
      '--route-label',
      'dc',
      '--route',
      `par=${site}`,
    ])
    expect(created.code).toBe(0)
    const field = (name: string) => new RegExp(`^${name}\\s+(.+)$`, 'm').exec(created.stdout)?.[1] ?? ''
    const id = field('id')
    expect(field('site')).toBe('none: tenant-wide')
    expect(field('routing')).toBe(`label dc; par → ${site}; fallback none (unrouted)`)
    expect(field('hook url')).toMatch(new RegExp(`^${platform.url}/v1/hooks/tenants/[0-9A-Z]{26}/${id}$`))
    const routed = await fetch(field('hook url'), {
      method: 'POST',
      headers: { authorization: `Bearer ${field('secret')}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        alertmanagerDelivery({ fingerprint: 'aa11bb22cc33dd44', instance: 'db-7', service: 'pg', dc: 'par' }),
      ),
    })
    expect(routed.status).toBe(200)

    expect((await cli(['-q', 'integrations', 'list', '--tenant-wide'])).stdout).toBe(`${id}\n`)
    expect((await cli(['-q', 'integrations', 'list'])).stdout).not.toContain(id)
    const deliveries = await cli(['integrations', 'deliveries', '--tenant-wide', id])
    expect(deliveries.stdout).toMatch(new RegExp(`fired [0-9A-Z]{26} at ${site}`))
    const listed = await cli(['--json', '--site', site, 'alerts', 'list', '--label', 'instance=db-7'])
    expect(
      (JSON.parse(listed.stdout) as { items: Alert[] }).items.map((alert) => alert.integration_id),
    ).toEqual([id])

    // Routing changes in place: `par` forgotten, `lyon` added, the label and a fallback kept or set.
    const updated = await cli([
      'integrations',
      'update',
      '--tenant-wide',
      id,
      '--route',
      `lyon=${site}`,
      '--unroute',
      'par',
      '--fallback-site',
      site,
    ])
    expect(updated.code).toBe(0)
    expect(updated.stdout).toMatch(new RegExp(`^routing\\s+label dc; lyon → ${site}; fallback ${site}$`, 'm'))
    const cleared = await cli(['integrations', 'update', '--tenant-wide', id, '--fallback-site', 'none'])
    expect(cleared.stdout).toMatch(
      new RegExp(`^routing\\s+label dc; lyon → ${site}; fallback none \\(unrouted\\)$`, 'm'),
    )
    const unrouted = await fetch(field('hook url'), {
      method: 'POST',
      headers: { authorization: `Bearer ${field('secret')}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        alertmanagerDelivery({ fingerprint: 'ee55ff66aa77bb88', instance: 'db-8', service: 'pg', dc: 'par' }),
      ),
    })
    const unroutedId = ((await unrouted.json()) as { delivery_id: string }).delivery_id
    const onlyUnrouted = await cli([
      '-q',
      'integrations',
      'deliveries',
      '--tenant-wide',
      id,
      '--outcome',
      'unrouted',
    ])
    expect(onlyUnrouted.stdout).toBe(`${unroutedId}\n`)
    const misplacedOutcome = await cli(['integrations', 'deliveries', id, '--outcome', 'unrouted'])
    expect(misplacedOutcome.code).toBe(2)

    expect((await cli(['integrations', 'delete', '--tenant-wide', id])).code).toBe(0)
  })

  it('silences alerts by label with matchers, and ends the silence early', async () => {
    const refused = await cli(['silences', 'create', '--match', 'instance=~web-(', '--for', '1h'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('the value of =~ and !~ must be a regular expression')

    const created = await cli([
      '--json',
      'silences',
      'create',
      '--match',
      'service=api',
      '--match',
      'instance=~web-.*',
      '--for',
      '2h',
      '--comment',
      'kernel upgrade',
    ])
    expect(created.code).toBe(0)
    const silence = JSON.parse(created.stdout) as Silence
    expect(silence).toMatchObject({
      matchers: [
        { label: 'service', op: '=', value: 'api' },
        { label: 'instance', op: '=~', value: 'web-.*' },
      ],
      active: true,
      comment: 'kernel upgrade',
    })
    expect(Date.parse(silence.ends_at) - Date.parse(silence.starts_at)).toBeGreaterThan(7_190_000)
    const listed = await cli(['silences', 'list'])
    expect(listed.stdout).toMatch(new RegExp(`${silence.id}\\s+active\\s+service=api, instance=~web-\\.\\*`))
    // The firing alert entered it at once.
    await until('the alert in the silence', async () =>
      (await cli(['-q', 'alerts', 'list', '--silenced', 'true'])).stdout === `${alertId}\n`
        ? true
        : undefined,
    )

    const ended = await cli(['silences', 'delete', silence.id])
    expect(ended.code).toBe(0)
    expect(ended.stdout).toMatch(/STATE\s+ended/)
    const again = await cli(['silences', 'delete', silence.id])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('(409 silence_deleted)')
  })

  it('refuses a rule whose expression does not compile, showing where, then runs a rule on the next alert', async () => {
    const task = await fetch(`${platform.url}/v1/sites/${env.SITEWIRE_SITE}/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Restart web',
        steps: [{ kind: 'script', interpreter: 'sh', body: 'echo restart', timeout_seconds: 30 }],
      }),
    })
    const taskId = ((await task.json()) as Task).id

    const refused = await cli([
      'rules',
      'create',
      '--name',
      'Restart on latency',
      '-e',
      'alert.labels.service = "api"',
      '--run-task',
      'Restart web',
      '--target-label',
      'instance',
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      [
        'error: the expression does not compile: Unexpected character: = (422 invalid_expression)',
        '  at line 1, column 22: Unexpected character: =',
        '    alert.labels.service = "api"',
        `    ${' '.repeat(21)}^`,
        '',
      ].join('\n'),
    )

    // From a file, the same mistake on its second line.
    const file = join(home, 'rule.json')
    await writeFile(
      file,
      JSON.stringify({
        name: 'Restart on latency',
        expression: 'alert.severity == "critical"\n  && alert.nope == 1',
        action: { kind: 'run_task', task_id: taskId, target_label: 'instance' },
      }),
    )
    const fromFile = await cli(['rules', 'create', '-f', file])
    expect(fromFile.code).toBe(1)
    expect(fromFile.stderr).toContain('at line 2, column 12: No such key: nope')

    const created = await cli([
      '--json',
      'rules',
      'create',
      '--name',
      'Restart on latency',
      '-e',
      'alert.labels.service == "api"',
      '--run-task',
      'Restart web',
      '--target-label',
      'instance',
      '-p',
      'host={{ alert.labels.instance }}',
    ])
    expect(created.code).toBe(0)
    const rule = JSON.parse(created.stdout) as Rule
    expect(rule).toMatchObject({
      version: 1,
      on: ['fired', 'refired'],
      action: {
        kind: 'run_task',
        task_id: taskId,
        target_label: 'instance',
        params: { host: '{{ alert.labels.instance }}' },
      },
    })
    const updated = await cli(['rules', 'update', rule.id, '--throttle-alert', '600'])
    expect(updated.stdout).toMatch(/VERSION\s+2/)
    const listed = await cli(['rules', 'list'])
    expect(listed.stdout).toMatch(
      new RegExp(`${rule.id}\\s+Restart on latency\\s+2\\s+enabled\\s+fired, refired`),
    )

    // A new series fires: the rule matches it, and its trigger records what came of it.
    const delivered = await deliver(
      alertmanagerDelivery({ fingerprint: 'a1b2c3d4e5f60718', instance: 'web-2', service: 'api' }),
    )
    expect(delivered.status).toBe(200)
    let triggers: RuleTrigger[] = []
    await until('the rule triggered', async () => {
      triggers = (
        JSON.parse((await cli(['--json', 'rules', 'triggers', rule.id])).stdout) as { items: RuleTrigger[] }
      ).items
      return triggers.length === 1 ? true : undefined
    })
    expect(triggers[0]).toMatchObject({ rule_version: 2, transition: 'fired', episode: 1 })
    expect(['started', 'failed']).toContain(triggers[0]?.outcome)
    const table = await cli(['rules', 'triggers', rule.id])
    expect(table.stdout).toMatch(/fired #1\s+2\s+(started|failed)/)

    // Its versions: the one created, then the throttle changed.
    const versions = await cli(['rules', 'versions', rule.id])
    expect(versions.code).toBe(0)
    expect(versions.stdout.split('\n')[0]).toMatch(/^ VERSION\s+SAVED\s+BY\s+STATE\s+EXPRESSION$/)
    expect(versions.stdout).toMatch(/^ 1\s+\S+\s+\S+\s+enabled\s+alert\.labels\.service == "api"$/m)
    expect(versions.stdout).toMatch(/^ 2\s+/m)

    // Backtested over the last hour: both deliveries match, and each run would fail (no agent here).
    const backtest = await cli(['rules', 'backtest', rule.id, '--last', '1h'])
    expect(backtest.code).toBe(0)
    const lines = backtest.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ AT\s+ALERT\s+LABELS\s+ON\s+OUTCOME\s+PARAMS\s+TARGET\s+AGENTS\s+ERROR$/)
    expect(lines.slice(1, -1)).toEqual([
      expect.stringMatching(/HighLatency\s+.*instance=web-1.*fired #1\s+failed\s+.*no_targets/),
      expect.stringMatching(/HighLatency\s+.*instance=web-2.*fired #1\s+failed\s+.*no_targets/),
    ])
    expect(lines.at(-1)).toBe('2 deliveries (0 unreadable), 2 transitions, 2 matched, 0 would start a run')
    const narrowed = await cli([
      '--json',
      'rules',
      'backtest',
      rule.id,
      '-e',
      'alert.labels.instance == "web-2"',
      '--since',
      new Date(Date.now() - 3_600_000).toISOString(),
      '--until',
      new Date(Date.now() + 60_000).toISOString(),
    ])
    expect(JSON.parse(narrowed.stdout)).toMatchObject({
      deliveries: 2,
      transitions: 2,
      would_start: 0,
      matches: [{ labels: { instance: 'web-2' }, outcome: 'failed' }],
    })
    const misplaced = await cli(['rules', 'backtest', rule.id, '-e', 'alert.labels.instance = "web-2"'])
    expect(misplaced.code).toBe(1)
    expect(misplaced.stderr).toContain('at line 1, column 23: Unexpected character: =')
    // An unsaved rule from a file: resolving is an action it would take on each.
    const unsaved = join(home, 'unsaved-rule.json')
    await writeFile(
      unsaved,
      JSON.stringify({
        name: 'Resolve api',
        expression: 'alert.labels.service == "api"',
        action: { kind: 'resolve' },
      }),
    )
    const trial = await cli(['rules', 'backtest', '-f', unsaved, '--last', '1h'])
    expect(trial.code).toBe(0)
    expect(trial.stdout.match(/fired #1\s+would_act/g)).toHaveLength(2)
    expect(trial.stdout.trimEnd().split('\n').at(-1)).toBe(
      '2 deliveries (0 unreadable), 2 transitions, 2 matched, 0 would start a run',
    )
    expect((await cli(['rules', 'backtest', rule.id, '-f', unsaved])).code).toBe(2)

    expect((await cli(['rules', 'delete', rule.id])).code).toBe(0)

    // A rule that notifies a chat instead.
    const notify = await cli([
      '--json',
      'rules',
      'create',
      '--name',
      'Page ops',
      '-e',
      'alert.name == "NeverFires"',
      '--notify',
      'https://hooks.slack.example/services/T0/B0/x',
      '--notify-format',
      'slack',
    ])
    expect(notify.code).toBe(0)
    const paging = JSON.parse(notify.stdout) as Rule
    // The URL is a credential: answers show its origin only.
    expect(paging.action).toMatchObject({
      kind: 'notify',
      format: 'slack',
      url: 'https://hooks.slack.example/…',
    })
    expect((await cli(['rules', 'list'])).stdout).toMatch(
      /Page ops.*notify https:\/\/hooks\.slack\.example\S* \(slack\)/,
    )
    expect((await cli(['rules', 'delete', paging.id])).code).toBe(0)
    expect((await cli(['-q', 'rules', 'list'])).stdout).toBe('')
  })

  it('lists alerts across sites, this site’s among them', async () => {
    const listed = await cli(['alerts', 'list', '--all-sites', '--status', 'firing'])
    expect(listed.code).toBe(0)
    expect(listed.stdout.split('\n')[0]).toMatch(
      /^ ID\s+SITE\s+STATUS\s+SEVERITY\s+NAME\s+LABELS\s+STARTED\s+MARKS$/,
    )
    expect(listed.stdout).toMatch(
      new RegExp(
        `${alertId}\\s+${env.SITEWIRE_SITE}\\s+firing\\s+critical\\s+HighLatency\\s+.*instance=web-1`,
      ),
    )
    const json = await cli(['--json', 'alerts', 'list', '--all-sites', '--label', 'instance=web-2'])
    expect((JSON.parse(json.stdout) as { items: AlertRecord[] }).items).toMatchObject([
      { site_id: env.SITEWIRE_SITE, fingerprint: 'a1b2c3d4e5f60718' },
    ])
  })

  it('rotates the secret (the old one still works until retired), shows refusals, and deletes the integration', async () => {
    const rotated = await cli(['-q', 'integrations', 'rotate-secret', integrationId])
    const newSecret = rotated.stdout.trim()
    expect(newSecret).not.toBe(secret)
    expect(newSecret.length).toBeGreaterThan(20)
    const body = alertmanagerDelivery({ fingerprint: 'd0c296e49fc4ad26', instance: 'web-1', service: 'api' })
    expect((await deliver(body)).status).toBe(200)
    expect((await cli(['integrations', 'retire-secret', integrationId])).stdout).toMatch(/SECRETS\s+1/)
    expect((await deliver(body)).status).toBe(401)
    const refusals = await cli(['integrations', 'refusals', integrationId])
    expect(refusals.stdout).toMatch(/wrong_secret\s+1/)
    expect((await cli(['integrations', 'delete', integrationId])).code).toBe(0)
    expect((await deliver(body)).status).toBe(404)
  })
})
