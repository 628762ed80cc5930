import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../test/chromium'
import { type DemoPlatform, startDemoPlatform } from './demo-platform'

/**
 * `npm run screenshots`: the console's main screens, light and dark, as PNGs in
 * docs/screenshots/, taken against a platform filled with a small, real estate: one real agent,
 * a few enrolled hosts, tasks that ran, a schedule, a file and an API key.
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
  return { siteId: paris.id, taskId: task.id, runId: run.id }
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
    const { siteId, taskId, runId } = await fill(demo)
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
