import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../test/chromium'
import { type DemoPlatform, startDemoPlatform } from './demo-platform'

/**
 * `npm run screenshots`: the console's main screens, light and dark, as PNGs in
 * docs/screenshots/, taken against a platform filled with a small, real estate: one real agent,
 * a few enrolled hosts, tasks that ran, a schedule, a file, an API key, and alerts from an
 * Alertmanager integration with rules and silences.
 */
const out = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots')

const fill = async (demo: DemoPlatform) => {
  const { call } = demo
  const paris = await call<{ id: string }>('POST', '/v1/sites', {
    name: 'Paris DC1',
    timezone: 'Europe/Paris',
    description: 'Primary datacenter',
  })
  await call('POST', '/v1/sites', { name: 'Frankfurt edge', timezone: 'Europe/Berlin' })
  await call('POST', '/v1/sites', { name: 'London office', timezone: 'Europe/London' })
  await demo.startAgent(paris.id, { role: 'web', env: 'prod' })
  const hosts = ['web-02', 'web-03', 'web-04', 'db-01', 'db-02', 'cache-01', 'lb-01']
  await demo.enrolOffline(paris.id, hosts, (i) => ({
    role: (hosts[i] ?? '').split('-')[0] ?? 'web',
    env: 'prod',
  }))
  const online = await demo.until('the agent online', async () => {
    const page = await call<{ items: { id: string }[] }>(
      'GET',
      `/v1/sites/${paris.id}/agents?presence=online`,
    )
    return page.items[0]?.id
  })
  // Runs target the connected agent only: the enrolled hosts never connect.
  const target = { agent_ids: [online] }
  const task = await call<{ id: string }>('POST', `/v1/sites/${paris.id}/tasks`, {
    name: 'Restart web',
    description: 'Restart the web service and check it answers',
    params: [{ name: 'unit', type: 'string', default: 'nginx', description: 'the systemd unit' }],
    steps: [
      {
        kind: 'script',
        name: 'restart',
        interpreter: 'bash',
        body: 'echo "restarting {{ params.unit }}"\nfor i in $(seq 1 40); do printf "\\033[32mok\\033[0m check %s of 40: {{ params.unit }} active\\n" $i; done\necho "warning: slow start" >&2',
        timeout_seconds: 60,
      },
      { kind: 'http', name: 'health', method: 'GET', url: 'http://127.0.0.1:9/health', expect_status: [200] },
    ],
  })
  const failing = await call<{ id: string }>('POST', `/v1/sites/${paris.id}/tasks`, {
    name: 'Check disk space',
    steps: [{ kind: 'script', interpreter: 'sh', body: 'df -h /\necho "/ is 93% full" >&2\nexit 1' }],
  })
  await call('PUT', `/v1/sites/${paris.id}/tasks/${task.id}`, {
    name: 'Restart web',
    description: 'Restart the web service and check it answers',
    params: [{ name: 'unit', type: 'string', default: 'nginx', description: 'the systemd unit' }],
    steps: [
      {
        kind: 'script',
        name: 'restart',
        interpreter: 'bash',
        body: 'echo "restarting {{ params.unit }}"\nfor i in $(seq 1 40); do printf "\\033[32mok\\033[0m check %s of 40: {{ params.unit }} active\\n" $i; done\necho "warning: slow start" >&2',
        timeout_seconds: 120,
      },
    ],
  })
  const run = await call<{ id: string }>('POST', `/v1/sites/${paris.id}/tasks/${task.id}/runs`, {
    target,
  })
  await call('POST', `/v1/sites/${paris.id}/tasks/${failing.id}/runs`, {
    target,
  })
  await demo.until('the runs to finish', async () => {
    const page = await call<{ items: { status: string }[] }>('GET', `/v1/runs?site_id=${paris.id}`)
    return page.items.length === 2 && page.items.every((r) => ['succeeded', 'failed'].includes(r.status))
      ? true
      : undefined
  })
  await call('POST', `/v1/sites/${paris.id}/schedules`, {
    task_id: task.id,
    name: 'Nightly restart',
    cron: '30 2 * * *',
    timezone: 'Europe/Paris',
    run: { target },
  })
  await call('POST', `/v1/sites/${paris.id}/files?name=nginx.conf`, 'worker_processes auto;\n', 'text/plain')
  await call('POST', '/v1/api-keys', { name: 'CI deploys', role: 'operator', scopes: ['api'] })
  const alerts = await fillAlerts(demo, paris.id, task.id, target)
  return { siteId: paris.id, taskId: task.id, runId: run.id, ...alerts }
}

/** An Alertmanager integration, a rule that restarts web on high latency, alerts it received, a silence. */
const fillAlerts = async (
  demo: DemoPlatform,
  siteId: string,
  taskId: string,
  target: { agent_ids: string[] },
) => {
  const { call } = demo
  const rule = await call<{ id: string }>('POST', `/v1/sites/${siteId}/rules`, {
    name: 'Restart web on high latency',
    expression: 'alert.name == "HighLatency" && alert.severity in ["critical", "high"]',
    action: { kind: 'run_task', task_id: taskId, params: { unit: '{{ alert.labels.job }}' }, target },
    throttle: { rule_seconds: 0, fingerprint_seconds: 900 },
  })
  await call('POST', `/v1/sites/${siteId}/rules`, {
    name: 'Close info alerts',
    expression: 'alert.severity == "info"',
    action: { kind: 'resolve' },
  })
  const integration = await call<{ id: string; hook_path: string; secret: string }>(
    'POST',
    `/v1/sites/${siteId}/integrations`,
    { name: 'prometheus-prod', settings: { kind: 'alertmanager' } },
  )
  await call('POST', `/v1/sites/${siteId}/integrations`, {
    name: 'grafana-cloud',
    settings: { kind: 'grafana', hmac: true },
  })
  const alert = (name: string, severity: string, instance: string, summary: string, minutesAgo: number) => ({
    status: 'firing',
    labels: { alertname: name, instance, job: 'nginx', severity, service: 'web' },
    annotations: { summary },
    startsAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example/graph?g0.expr=latency',
    fingerprint: `${name}-${instance}`
      .replace(/[^a-z0-9]/gi, '')
      .toLowerCase()
      .slice(0, 16)
      .padEnd(16, '0'),
  })
  const deliver = async (alerts: unknown[]) => {
    const response = await fetch(`${demo.platform.url}${integration.hook_path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${integration.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        receiver: 'sitewire',
        status: 'firing',
        alerts,
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager.example',
        version: '4',
        groupKey: '{}:{}',
        truncatedAlerts: 0,
      }),
    })
    if (!response.ok) throw new Error(`delivery refused: ${response.status} ${await response.text()}`)
  }
  await deliver([
    alert('DiskAlmostFull', 'warning', 'db-01:9100', '/var is 91% full', 240),
    alert('CertificateExpiring', 'info', 'lb-01:9100', 'TLS certificate expires in 12 days', 90),
    alert('BackupLate', 'high', 'db-02:9100', 'nightly backup has not finished', 45),
  ])
  await deliver([alert('HighLatency', 'critical', 'web-02:9100', 'p99 latency 2.4 s over 5 minutes', 6)])
  const listed = await call<{ items: { id: string; name: string }[] }>('GET', `/v1/sites/${siteId}/alerts`)
  const latency = listed.items.find((a) => a.name === 'HighLatency')?.id ?? ''
  const disk = listed.items.find((a) => a.name === 'DiskAlmostFull')?.id ?? ''
  await call('POST', `/v1/sites/${siteId}/alerts/${latency}/acknowledge`, {
    note: 'rolling back the 14:02 deploy',
  })
  await call('POST', `/v1/sites/${siteId}/alerts/${disk}/acknowledge`, { note: 'cleaning old WAL files' })
  await call('POST', `/v1/sites/${siteId}/silences`, {
    matchers: [
      { label: 'instance', op: '=~', value: 'db-.*' },
      { label: 'severity', op: '!=', value: 'critical' },
    ],
    ends_at: new Date(Date.now() + 3 * 3_600_000).toISOString(),
    comment: 'database patching, ticket OPS-4312',
  })
  await call('POST', `/v1/sites/${siteId}/silences`, {
    matchers: [{ label: 'service', op: '=', value: 'batch' }],
    ends_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    recurrence: { cron: '0 2 * * 6', timezone: 'Europe/Paris', duration_seconds: 7200 },
    comment: 'weekly maintenance window',
  })
  await demo.until('the rule to start its run', async () => {
    const page = await call<{ items: { run_status: string | null }[] }>(
      'GET',
      `/v1/sites/${siteId}/rules/${rule.id}/triggers`,
    )
    return page.items[0]?.run_status === 'succeeded' ? true : undefined
  })
  return { alertId: latency, ruleId: rule.id, integrationId: integration.id }
}

const signIn = async (browser: Browser, demo: DemoPlatform, colorScheme: 'light' | 'dark') => {
  const context = await browser.newContext({
    locale: 'en-GB',
    colorScheme,
    viewport: { width: 1360, height: 860 },
  })
  const page = await context.newPage()
  await page.goto(demo.platform.url)
  await page.getByLabel('Email').fill(demo.adminEmail)
  await page.getByLabel('Password').fill(demo.platform.adminPassword as string)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
  return page
}

const shoot = async (page: Page, name: string, path: string, ready: (page: Page) => Promise<unknown>) => {
  await page.goto(`${new URL(page.url()).origin}${path}`)
  await ready(page)
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(out, `${name}.png`) })
  console.log(`docs/screenshots/${name}.png`)
}

const main = async () => {
  await mkdir(out, { recursive: true })
  const demo = await startDemoPlatform(Number(process.env.SITEWIRE_PORT ?? 28_900))
  const browser = await launchChromium()
  try {
    const { siteId, taskId, runId, alertId, ruleId } = await fill(demo)
    const signInPage = await (
      await browser.newContext({ locale: 'en-GB', viewport: { width: 1360, height: 860 } })
    ).newPage()
    await signInPage.goto(demo.platform.url)
    await signInPage.getByLabel('Email').fill(demo.adminEmail)
    await signInPage.screenshot({ path: join(out, 'sign-in.png') })
    const heading = (name: string) => (page: Page) => page.getByRole('heading', { name, level: 1 }).waitFor()
    for (const scheme of ['light', 'dark'] as const) {
      const page = await signIn(browser, demo, scheme)
      const suffix = scheme === 'dark' ? '-dark' : ''
      await shoot(page, `overview${suffix}`, '/', (p) => p.locator('.chart canvas').first().waitFor())
      await shoot(page, `run${suffix}`, `/sites/${siteId}/runs/${runId}`, async (p) => {
        await p.getByRole('button', { name: 'Open the archive' }).click()
        await p.getByRole('log').getByText('check 40 of 40').waitFor()
      })
      if (scheme === 'dark') continue
      await shoot(page, 'sites', '/sites', heading('Sites'))
      await shoot(page, 'agents', `/sites/${siteId}`, (p) =>
        p.getByRole('table', { name: 'Agents' }).waitFor(),
      )
      await shoot(page, 'task', `/sites/${siteId}/tasks/${taskId}`, heading('Restart web'))
      await shoot(page, 'task-history', `/sites/${siteId}/tasks/${taskId}/history`, (p) =>
        p.getByRole('region', { name: 'Diff' }).waitFor(),
      )
      await shoot(page, 'run-request', `/sites/${siteId}/tasks/${taskId}/run`, async (p) => {
        await p.getByLabel('Labels').fill('role=web')
        await p.getByText(/agents? match/).waitFor()
      })
      await shoot(page, 'runs', '/runs', (p) => p.locator('.chart canvas').first().waitFor())
      await shoot(page, 'schedules', `/sites/${siteId}/schedules`, async (p) => {
        await p.getByRole('button', { name: 'Nightly restart' }).click()
        await p.locator('.fire-times li').first().waitFor()
      })
      await shoot(page, 'enrolment', `/sites/${siteId}/enrolment`, async (p) => {
        await p.getByLabel('Labels for its agents').fill('role=web, env=prod')
        await p.getByRole('button', { name: 'Create token' }).click()
        await p.getByLabel('Enrol command').waitFor()
      })
      await shoot(page, 'events', `/sites/${siteId}/events`, (p) =>
        p.getByRole('table', { name: 'Events' }).waitFor(),
      )
      await shoot(page, 'alerts', `/sites/${siteId}/alerts`, (p) =>
        p
          .getByRole('table', { name: 'Alerts' })
          .getByRole('row', { name: /HighLatency/ })
          .waitFor(),
      )
      await shoot(page, 'alert', `/sites/${siteId}/alerts/${alertId}`, (p) =>
        p.getByRole('table', { name: 'Runs it caused' }).getByText('succeeded').waitFor(),
      )
      await shoot(page, 'rule', `/sites/${siteId}/rules/${ruleId}`, (p) =>
        p.getByRole('table', { name: 'Triggers' }).getByText('succeeded').waitFor(),
      )
      await shoot(page, 'silences', `/sites/${siteId}/silences`, (p) =>
        p.getByRole('table', { name: 'Silences' }).waitFor(),
      )
      await shoot(page, 'integration', `/sites/${siteId}/integrations`, async (p) => {
        await p.getByRole('button', { name: 'New integration' }).click()
        await p.getByLabel('Name').fill('datadog-prod')
        await p.getByLabel('Sender').selectOption('datadog')
        await p.getByRole('button', { name: 'Create integration' }).click()
        await p.getByLabel('Integration secret').waitFor()
      })
      await shoot(page, 'api-keys', '/access/api-keys', (p) =>
        p.getByRole('table', { name: 'API keys' }).waitFor(),
      )
      await shoot(page, 'api-reference', '/v1/docs', heading('Sitewire API'))
    }
  } finally {
    await browser.close()
    await demo.stop()
  }
}

await main()
