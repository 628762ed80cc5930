import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPage } from '../browser'
import { launchChromium } from '../chromium'
import { runAgent } from '../e2e/agent-process'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { callApi, signIn } from './console-support'

/**
 * The web console in Chromium against the platform started as the README starts it, with a
 * real agent process: an operator's first hour, screen by screen, asserting what each shows.
 */
describe('web console in Chromium', () => {
  let dataDir: string
  let platform: RunningPlatform
  let browser: Browser
  let page: Page
  let problems: string[]
  const agents: ReturnType<typeof runAgent>[] = []
  let siteUrl = ''

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-console-'))
    ;[platform, browser] = await Promise.all([
      startPlatform({ dataDir, port: testPort(6) }),
      launchChromium(),
    ])
  }, 120_000)

  afterAll(async () => {
    for (const agent of agents) agent.child.kill('SIGTERM')
    await Promise.all(agents.map((agent) => agent.exited))
    await browser?.close()
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  const adminKey = () => platform.adminKey as string

  it('refuses a wrong password with the platform’s message, then signs in to the overview', async () => {
    // The page stays open through the following tests: one operator's session.
    ;({ page, problems } = await openPage(browser, `${platform.url}/`, { keepOpen: true }))
    await page.getByLabel('Email').fill('admin@localhost')
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/401 · invalid_credentials/)

    await signIn(page, 'admin@localhost', platform.adminPassword as string)
    expect(await page.title()).toBe('Overview · Sitewire')
    expect(await page.locator('.stat', { hasText: 'sites' }).textContent()).toBe('0sites')
    expect(await page.getByText('Welcome to Sitewire').isVisible()).toBe(true)
    expect(
      await page
        .getByRole('figure')
        .getByText(/succeeded 0/)
        .isVisible(),
    ).toBe(true)
    // uPlot drew the chart into its box.
    expect(await page.getByRole('img', { name: 'Runs per hour by outcome' }).locator('canvas').count()).toBe(
      1,
    )

    // Light by the system's setting (the test's colour scheme); the toggle picks one and keeps it.
    const theme = () => page.locator('html').getAttribute('data-theme')
    expect(await theme()).toBe('light')
    await page.getByRole('button', { name: 'Theme: system' }).click()
    await page.getByRole('button', { name: 'Theme: light' }).click()
    expect(await theme()).toBe('dark')
    await page.reload()
    await page.getByRole('button', { name: 'Theme: dark' }).click()
    await page.getByRole('button', { name: 'Theme: system' }).waitFor()
    expect(await theme()).toBe('light')
    expect(problems).toEqual([])
  })

  it('creates a site from the sites screen, and browser back returns to the list', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Sites' }).click()
    await page.getByText('No sites yet').waitFor()
    await page.getByRole('button', { name: 'New site' }).click()
    const form = page.getByRole('form', { name: 'New site' })
    await form.getByLabel('Name').fill('')
    await form.getByRole('button', { name: 'Create site' }).click()
    // The browser's own check stops an empty name; a name too long reaches the API and its 400.
    await form.getByLabel('Name').fill('x'.repeat(101))
    await form.getByRole('button', { name: 'Create site' }).click()
    expect(await form.getByRole('alert').textContent()).toMatch(/400 · validation_failed/)

    await form.getByLabel('Name').fill('Paris DC1')
    await form.getByLabel('Time zone').fill('Europe/Paris')
    await form.getByRole('button', { name: 'Create site' }).click()
    await page.getByRole('heading', { name: 'Paris DC1', level: 1 }).waitFor()
    siteUrl = page.url()
    expect(siteUrl).toMatch(/\/sites\/[0-9A-Z]{26}$/)
    await page.getByText('No agents have enrolled yet').waitFor()

    await page.goBack()
    await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor()
    expect(await page.getByRole('row', { name: /Paris DC1/ }).textContent()).toContain('Europe/Paris')
    await page.goForward()
    await page.getByRole('heading', { name: 'Paris DC1', level: 1 }).waitFor()
    expect(problems).toEqual([])
  })

  it('creates an enrolment token whose command enrols a real agent, which then shows online', async () => {
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Enrolment' }).click()
    const form = page.getByRole('form', { name: 'New enrolment token' })
    await form.getByLabel('Labels for its agents').fill('role=web, env=test')
    await form.getByRole('button', { name: 'Create token' }).click()
    const command = await page.getByLabel('Enrol command').inputValue()
    expect(command).toMatch(/^sitewire-agent enrol \S+$/)
    expect(await page.getByRole('table', { name: 'Enrolment tokens' }).textContent()).toContain('0 of 1')

    const stateDir = join(dataDir, 'agent-1')
    const enrol = runAgent([...command.split(' ').slice(1), '--state-dir', stateDir])
    expect(await enrol.exited).toBe(0)
    agents.push(runAgent(['run', '--state-dir', stateDir, '--facts-interval', '5']))

    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Agents' }).click()
    const row = page.getByRole('table', { name: 'Agents' }).getByRole('row').nth(1)
    await expect
      .poll(
        async () => {
          await page.reload()
          return row.textContent({ timeout: 5000 }).catch(() => '')
        },
        { timeout: 30_000 },
      )
      .toMatch(/online.*approved/)
    expect(await row.textContent()).toContain('role=web')
    await row.getByRole('button').first().click()
    const details = page.getByRole('region', { name: /^Agent / })
    // The selected agent is in the URL, so a reload keeps it open while its first facts arrive.
    expect(new URL(page.url()).searchParams.get('agent')).toMatch(/^[0-9A-Z]{26}$/)
    await expect
      .poll(
        async () => {
          await page.reload()
          return details.textContent({ timeout: 5000 }).catch(() => '')
        },
        { timeout: 30_000 },
      )
      .toMatch(/OS\s*linux/)

    await page.getByRole('button', { name: 'Refresh facts' }).click()
    await page.getByText('Asked 1 connected agent for their complete facts.').waitFor()

    // The fact filter narrows the list in the browser; a label filter asks the platform.
    await page.getByLabel('Facts').fill('no-such-host')
    await page.getByText('No agent matches these filters').waitFor()
    await page.getByLabel('Facts').fill('linux')
    await page.getByText('1 agents · 1 online').waitFor()
    await page.getByLabel('Label').fill('role=db')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.getByText('No agent matches these filters').waitFor()
    expect(new URL(page.url()).searchParams.get('label')).toBe('role=db')
    expect(problems).toEqual([])
  })

  let taskUrl = ''

  it('writes a task with a typed parameter and a script step, then saves a second version and diffs the two', async () => {
    await page.goto(`${siteUrl}/tasks`)
    await page.getByText('No tasks yet').waitFor()
    await page.getByRole('link', { name: 'New task' }).click()
    const form = page.getByRole('form', { name: 'Task' })
    await form.getByLabel('Name', { exact: true }).first().fill('Say hello')
    await form.getByRole('button', { name: 'Add parameter' }).click()
    const param = form.locator('.param-row').first()
    await param.getByLabel('Name').fill('greeting')
    await param.getByLabel('Default').fill('hello')
    const step = form.getByRole('group', { name: /^Step 1/ })
    await step.getByLabel('Interpreter').selectOption('bash')
    await step
      .getByRole('textbox', { name: 'Script' })
      .fill(
        'for i in 1 2 3; do echo "{{ params.greeting }} $i"; sleep 1; done\nprintf \'\\033[31mred alert\\033[0m\\n\'\necho to stderr >&2',
      )
    await form.getByRole('button', { name: 'Create task' }).click()
    await page.getByRole('heading', { name: 'Say hello', level: 1 }).waitFor()
    taskUrl = page.url()
    expect(taskUrl).toMatch(/\/tasks\/[0-9A-Z]{26}$/)
    expect(await page.getByText('Version 1 · 1 step').isVisible()).toBe(true)

    // A second version: another description; the history shows the change as a diff.
    await form.getByRole('group', { name: 'Task' }).getByLabel('Description').fill('Greets three times')
    await form.getByRole('button', { name: 'Save as a new version' }).click()
    await page.getByText('Version 2 · 1 step').waitFor()
    await page.getByRole('link', { name: 'History' }).click()
    await page.getByRole('heading', { name: 'Task history', level: 1 }).waitFor()
    const diff = page.getByRole('region', { name: 'Diff' })
    await diff.locator('.diff-added').first().waitFor()
    expect(await diff.locator('.diff-removed').allTextContents()).toEqual(['-   "description": "",'])
    expect(await diff.locator('.diff-added').allTextContents()).toEqual([
      '+   "description": "Greets three times",',
    ])
    expect(problems).toEqual([])
  })

  it('previews the target live, runs the task, and shows the output while it is produced, then from the archive', async () => {
    await page.goto(taskUrl)
    await page.getByRole('link', { name: 'Run…' }).click()
    const preview = page.getByRole('region', { name: 'Matching agents' })
    // No target yet: the platform's own error says what is missing.
    expect(await preview.getByRole('alert').textContent()).toContain('name agents by id, labels or facts')
    await page.getByLabel('Labels').fill('role=db')
    await preview.getByText('0 agents match').waitFor()
    await page.getByLabel('Labels').fill('role=web')
    await preview.getByText('1 agent matches').waitFor()
    expect(await preview.getByRole('listitem').first().textContent()).toContain('online')
    await page.getByLabel('greeting').fill('bonjour')
    await page.getByRole('button', { name: 'Start run' }).click()
    await page.waitForURL(/\/runs\/[0-9A-Z]{26}$/)

    const log = page.getByRole('log')
    await log.getByText('bonjour 1').waitFor()
    // The first line is on screen while the script still sleeps: the output is live.
    const summary = page.getByRole('region', { name: 'Run summary' })
    expect(await summary.locator('h2 .status').textContent()).not.toBe('succeeded')
    await summary.locator('h2 .status', { hasText: 'succeeded' }).waitFor({ timeout: 30_000 })
    expect(await log.locator('.ansi-red-fg').textContent()).toBe('red alert')
    expect(await log.locator('.line-stderr').textContent()).toContain('to stderr')
    expect(
      await page.getByRole('region', { name: 'Agents of the run' }).getByRole('button').nth(1).textContent(),
    ).toContain('succeeded')
    await page.getByLabel('Search output').fill('bonjour 2')
    await page.getByText('1 matching lines').waitFor()
    expect(await log.locator('.line').allTextContents()).toEqual([expect.stringContaining('bonjour 2')])
    await page.getByLabel('Search output').fill('')

    // Once the run ends its output moves to a .tar.gz archive: downloadable, and readable here.
    // The page shows the archive once it lands, without a reload.
    const download = page.getByRole('link', { name: 'Download archive (.tar.gz)' })
    await download.waitFor({ timeout: 60_000 })
    const archive = await page.request.get(`${platform.url}${await download.getAttribute('href')}`)
    expect(archive.status()).toBe(200)
    expect((await archive.body()).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    await page.getByRole('button', { name: 'Open the archive' }).click()
    await log.getByText('bonjour 3').waitFor()
    expect(await log.locator('.line').count()).toBe(5)
    expect(problems).toEqual([])
  }, 120_000)

  it('schedules the task on cron and shows its next five fire times, then pauses it', async () => {
    await page.goto(`${siteUrl}/schedules`)
    await page.getByText('No schedules').waitFor()
    await page.getByRole('button', { name: 'New schedule' }).click()
    const form = page.getByRole('form', { name: 'New schedule' })
    await form.getByLabel('Cron (minute hour day month weekday)').fill('not cron')
    await form.getByRole('button', { name: 'Create schedule' }).click()
    expect(await form.getByRole('alert').textContent()).toMatch(/400 · validation_failed/)
    await form.getByLabel('Cron (minute hour day month weekday)').fill('30 2 * * *')
    await form.getByLabel('Time zone').fill('UTC')
    await form.getByLabel('Target labels').fill('role=web')
    await form.getByRole('button', { name: 'Create schedule' }).click()
    const details = page.getByRole('region', { name: 'Schedule Say hello' })
    const times = details.getByRole('listitem')
    await expect.poll(() => times.count()).toBe(5)
    for (const time of await times.allTextContents()) expect(time).toMatch(/2:30\s?AM/)
    await details.getByRole('button', { name: 'Pause' }).click()
    await details.getByText('Paused: resume it to fire again.').waitFor()
    expect(await page.getByRole('row', { name: /Say hello/ }).textContent()).toContain('paused')
    await details.getByRole('button', { name: 'Resume' }).click()
    await expect.poll(() => times.count()).toBe(5)
    expect(problems).toEqual([])
  })

  it('uploads a file, lists the run in the history with its duration, and follows the event log live', async () => {
    await page.goto(`${siteUrl}/files`)
    await page.getByText('No files').waitFor()
    await page
      .getByLabel('File', { exact: true })
      .setInputFiles({ name: 'motd.txt', mimeType: 'text/plain', buffer: Buffer.from('hello\n') })
    await page.getByRole('button', { name: 'Upload' }).click()
    const file = page.getByRole('row', { name: /motd\.txt/ })
    await file.waitFor()
    expect(await file.textContent()).toContain('6 B')

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Runs' }).click()
    const run = page.getByRole('table', { name: 'Runs' }).getByRole('row', { name: /Say hello/ })
    await run.waitFor()
    expect(await run.textContent()).toMatch(/Paris DC1.*succeeded.*1 ok · 0 failed of 1/)
    expect(await page.getByRole('figure').textContent()).toContain('succeeded 1')
    await page.getByLabel('Status').selectOption('failed')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.getByText('No run matches').waitFor()
    expect(new URL(page.url()).searchParams.get('status')).toBe('failed')
    await page.goBack()
    await run.waitFor()

    await page.goto(`${siteUrl}/events?follow=1`)
    const events = page.getByRole('table', { name: 'Events' })
    await events.getByRole('button', { name: 'io.sitewire.file.uploaded' }).waitFor()
    const siteId = new URL(siteUrl).pathname.split('/')[2]
    const appended = await fetch(`${platform.url}/v1/sites/${siteId}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey()}`, 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'deploy-1',
        source: '/ci',
        type: 'com.example.deploy.finished',
        data: { ok: true },
      }),
    })
    expect(appended.status).toBe(201)
    await events.getByRole('button', { name: 'com.example.deploy.finished' }).click()
    expect(await page.getByRole('region', { name: /^Event \d+/ }).textContent()).toContain('"ok": true')
    expect(problems).toEqual([])
  })

  it('creates an API key whose secret, shown once, works from a script until it is revoked; the audit log shows both', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Access' }).click()
    await page.getByRole('navigation', { name: 'Access' }).getByRole('link', { name: 'API keys' }).click()
    const form = page.getByRole('form', { name: 'New API key' })
    await form.getByLabel('Name').fill('CI reads')
    await form.getByLabel('Role').selectOption('viewer')
    await form.getByRole('button', { name: 'Create key' }).click()
    const secret = await page.getByLabel('API key secret').inputValue()
    expect(secret).toMatch(/^sw_/)

    const listed = await callApi(platform.url, secret, 'GET', '/v1/sites')
    expect(listed.status).toBe(200)
    expect((listed.body.items as { name: string }[]).map((site) => site.name)).toEqual(['Paris DC1'])
    expect((await callApi(platform.url, secret, 'POST', '/v1/sites', { name: 'Nope' })).status).toBe(403)

    await page.reload()
    const row = page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: /CI reads/ })
    expect(await row.textContent()).toMatch(/viewer.*every site.*api/)
    expect(await page.getByLabel('API key secret').count()).toBe(0)
    page.once('dialog', (dialog) => void dialog.accept())
    await row.getByRole('button', { name: 'Revoke' }).click()
    await row.getByText('revoked').waitFor()
    expect((await callApi(platform.url, secret, 'GET', '/v1/sites')).status).toBe(401)

    await page.getByRole('navigation', { name: 'Access' }).getByRole('link', { name: 'Audit log' }).click()
    await page.getByLabel('Action').fill('api_key.revoke')
    await page.getByRole('button', { name: 'Apply' }).click()
    const entries = page.getByRole('table').getByRole('row')
    await expect.poll(() => entries.count()).toBe(2)
    expect(await entries.nth(1).textContent()).toMatch(/api_key\.revoke.*200/)
    expect(problems).toEqual([])
  })

  it('changes the site’s settings, which the platform keeps', async () => {
    await page.goto(siteUrl)
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Settings' }).click()
    const form = page.getByRole('form', { name: 'Site settings' })
    await form.getByLabel('Description').fill('Primary datacenter')
    await form.getByLabel('New agents').selectOption('required')
    await form.getByLabel('Keep run archives (days)').fill('0')
    await form.getByRole('button', { name: 'Save settings' }).click()
    expect(await form.getByRole('alert').textContent()).toMatch(/400 · validation_failed/)
    await form.getByLabel('Keep run archives (days)').fill('90')
    await form.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Europe/Paris · Primary datacenter').waitFor()
    await page.reload()
    expect(await form.getByLabel('New agents').inputValue()).toBe('required')
    expect(await form.getByLabel('Keep run archives (days)').inputValue()).toBe('90')
    expect(problems).toEqual([])
  })

  it('shows a viewer no write controls, and the API refuses the viewer’s writes anyway', async () => {
    const created = await callApi(platform.url, adminKey(), 'POST', '/v1/users', {
      email: 'viewer@localhost',
      name: 'Vera Viewer',
      role: 'viewer',
    })
    expect(created.status).toBe(201)
    const viewer = await openPage(browser, siteUrl)
    await signIn(viewer.page, 'viewer@localhost', created.body.generated_password as string)
    const agentRow = viewer.page.getByRole('table', { name: 'Agents' }).getByRole('row').nth(1)
    expect(await agentRow.textContent()).toContain('online')
    expect(await agentRow.getByRole('button', { name: 'Revoke' }).count()).toBe(0)
    expect(await viewer.page.getByRole('button', { name: 'Archive site' }).count()).toBe(0)
    const tabs = viewer.page.getByRole('navigation', { name: 'Site' })
    expect(await tabs.getByRole('link', { name: 'Enrolment' }).count()).toBe(0)
    expect(await tabs.getByRole('link', { name: 'Settings' }).count()).toBe(0)
    expect(await tabs.getByRole('link', { name: 'Event log' }).count()).toBe(1)
    await viewer.page.goto(`${siteUrl}/enrolment`)
    await viewer.page.getByText('Enrolment tokens are for operators').waitFor()
    expect(await viewer.page.getByRole('form', { name: 'New enrolment token' }).count()).toBe(0)
    expect(
      await viewer.page
        .getByRole('navigation', { name: 'Console' })
        .getByRole('link', { name: 'Access' })
        .count(),
    ).toBe(0)
    await viewer.page.goto(`${platform.url}/access/api-keys`)
    await viewer.page.getByText('Access is managed by admins').waitFor()
    expect(await viewer.page.getByRole('button', { name: 'Create key' }).count()).toBe(0)
    await viewer.page.goto(taskUrl)
    await viewer.page.getByRole('heading', { name: 'Say hello', level: 1 }).waitFor()
    for (const name of ['Save as a new version', 'Clone', 'Delete', 'Add step'])
      expect(await viewer.page.getByRole('button', { name }).count()).toBe(0)
    expect(await viewer.page.getByRole('link', { name: 'Run…' }).count()).toBe(0)
    expect(await viewer.page.getByRole('group', { name: 'Task' }).getByLabel('Name').isDisabled()).toBe(true)
    await viewer.page.goto(`${siteUrl}/integrations`)
    await viewer.page.getByText('An admin of the site adds integrations for monitoring tools.').waitFor()
    expect(await viewer.page.getByRole('button', { name: 'New integration' }).count()).toBe(0)
    await viewer.page.goto(`${siteUrl}/rules`)
    await viewer.page.getByText('An operator writes rules.').waitFor()
    expect(await viewer.page.getByRole('link', { name: 'New rule' }).count()).toBe(0)
    await viewer.page.goto(`${siteUrl}/silences`)
    await viewer.page.getByText('An operator creates silences for maintenance windows.').waitFor()
    expect(await viewer.page.getByRole('button', { name: 'New silence' }).count()).toBe(0)
    await viewer.page.goto(`${platform.url}/sites`)
    await viewer.page.getByRole('row', { name: /Paris DC1/ }).waitFor()
    expect(await viewer.page.getByRole('button', { name: 'New site' }).count()).toBe(0)

    // The same session, calling the API directly from the page, is refused.
    const status = await viewer.page.evaluate(async () => {
      const response = await fetch('/v1/sites', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Not allowed' }),
      })
      return response.status
    })
    expect(status).toBe(403)

    // The viewer's own account: roles as granted, and a password change checked by the platform.
    await viewer.page.getByRole('link', { name: /Vera Viewer/ }).click()
    const account = viewer.page.getByRole('region', { name: 'Who you are' })
    expect(await account.textContent()).toMatch(/Role on every siteviewer/)
    const change = viewer.page.getByRole('form', { name: 'Change password' })
    await change.getByLabel('Current password').fill('not my password')
    await change.getByLabel('New password').fill('a long new password 42')
    await change.getByRole('button', { name: 'Change password' }).click()
    expect(await change.getByRole('alert').textContent()).toMatch(/40[13] · /)
    await change.getByLabel('Current password').fill(created.body.generated_password as string)
    await change.getByRole('button', { name: 'Change password' }).click()
    await change.getByText('Password changed.').waitFor()
    expect(viewer.problems.filter((p) => !p.includes('403'))).toEqual([])
  })

  it('alerts: an Alertmanager integration made in the console receives an alert, which is acknowledged, silenced and met by a rule; the integration shows deliveries and refusals, and rotates its secret', async () => {
    // A site of its own, so this journey also runs alone (`-t alerts`).
    const site = await callApi(platform.url, adminKey(), 'POST', '/v1/sites', {
      name: 'Alerts DC',
      timezone: 'UTC',
    })
    expect(site.status).toBe(201)
    const alertsSite = `${platform.url}/sites/${site.body.id as string}`
    const task = await callApi(
      platform.url,
      adminKey(),
      'POST',
      `/v1/sites/${site.body.id as string}/tasks`,
      {
        name: 'Restart web',
        steps: [{ kind: 'script', interpreter: 'sh', body: 'echo restarting', timeout_seconds: 30 }],
      },
    )
    expect(task.status).toBe(201)
    const { page, problems } = await openPage(browser, `${alertsSite}/integrations`)
    await signIn(page, 'admin@localhost', platform.adminPassword as string)
    const siteTabs = page.getByRole('navigation', { name: 'Site' })

    // An integration: its secret shown once, with the hook URL and the setup to paste into Alertmanager.
    await page.getByText('No integrations').waitFor()
    await page.getByRole('button', { name: 'New integration' }).click()
    const form = page.getByRole('form', { name: 'New integration' })
    await form.getByLabel('Name').fill('prometheus-prod')
    expect(await form.getByLabel('Sender').inputValue()).toBe('alertmanager')
    await form.getByRole('button', { name: 'Create integration' }).click()
    const secret = await page.getByLabel('Integration secret').inputValue()
    expect(secret.length).toBeGreaterThan(20)
    const hookUrl = await page.getByLabel('Hook URL').inputValue()
    expect(hookUrl).toMatch(new RegExp(`^${platform.url}/v1/hooks/${site.body.id as string}/[0-9A-Z]{26}$`))
    const setup = await page
      .getByRole('figure', { name: 'Sender setup with the secret' })
      .locator('pre')
      .textContent()
    expect(setup).toContain(`url: ${hookUrl}`)
    expect(setup).toContain(`credentials: ${secret}`)
    expect(setup).toContain('send_resolved: true')
    const row = page
      .getByRole('table', { name: 'Integrations' })
      .getByRole('row', { name: /prometheus-prod/ })
    expect(await row.textContent()).toContain('Prometheus Alertmanager')

    // Alertmanager delivers, as it would with that setup.
    const startsAt = new Date().toISOString()
    const delivery = (alert: { fingerprint: string; instance: string }) =>
      fetch(hookUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          receiver: 'sitewire',
          status: 'firing',
          alerts: [
            {
              status: 'firing',
              labels: { alertname: 'HighLatency', instance: alert.instance, severity: 'critical' },
              annotations: { summary: 'p99 latency high' },
              startsAt,
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
        }),
      })
    const delivered = await delivery({ fingerprint: 'd0c296e49fc4ad26', instance: 'web-1' })
    expect(delivered.status).toBe(200)
    expect(((await delivered.json()) as { alerts: { outcome: string }[] }).alerts[0]?.outcome).toBe('fired')

    // The alert in the list, counted by severity, and filtered through the URL.
    await siteTabs.getByRole('link', { name: 'Alerts' }).click()
    const alerts = page.getByRole('table', { name: 'Alerts' })
    const alertRow = alerts.getByRole('row', { name: /HighLatency/ })
    await alertRow.waitFor()
    expect(await alertRow.textContent()).toMatch(
      /firing.*critical.*HighLatency.*p99 latency high.*instance=web-1/,
    )
    const counts = page.getByRole('region', { name: 'Firing alerts by severity' })
    expect(await counts.getByRole('button', { name: /critical firing/ }).textContent()).toBe(
      '1critical firing',
    )
    const filters = page.getByRole('form', { name: 'Filter alerts' })
    await filters.getByLabel('Severity').selectOption('warning')
    await filters.getByRole('button', { name: 'Apply' }).click()
    await page.getByText('No alert matches').waitFor()
    expect(new URL(page.url()).searchParams.get('severity')).toBe('warning')
    await page.goBack()
    await alertRow.waitFor()
    expect(await filters.getByLabel('Severity').inputValue()).toBe('')
    await filters.getByLabel('Labels').fill('instance=web-1')
    await filters.getByRole('button', { name: 'Apply' }).click()
    await alertRow.waitFor()
    expect(new URL(page.url()).searchParams.get('label')).toBe('instance=web-1')

    // Its page: the sender's links, acknowledged with a note, which its history shows.
    await alertRow.getByRole('link', { name: 'HighLatency' }).click()
    const summary = page.getByRole('region', { name: 'Alert HighLatency' })
    await summary.waitFor()
    expect(await summary.textContent()).toContain('p99 latency high')
    expect(await summary.getByRole('link', { name: 'source' }).getAttribute('href')).toBe(
      'http://prom.example/graph',
    )
    await page.getByText('No rule has matched this alert.').waitFor()
    await summary.getByLabel('Note').fill('on it, rolling back')
    await summary.getByRole('button', { name: 'Acknowledge' }).click()
    const history = page.getByRole('list', { name: 'Alert history' })
    await history.getByText('acknowledged').waitFor()
    expect(await history.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^fired.*episode 1 · p99 latency high/),
      expect.stringMatching(/^acknowledged.*“on it, rolling back”/),
    ])
    expect(await summary.textContent()).toMatch(/Acknowledgedby .*“on it, rolling back”/)
    expect(await summary.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0)

    // A silence over web-*: the firing alert enters it at once; ended early, it leaves.
    await siteTabs.getByRole('link', { name: 'Silences' }).click()
    await page.getByText('No silences').waitFor()
    await page.getByRole('button', { name: 'New silence' }).click()
    const silence = page.getByRole('form', { name: 'New silence' })
    const matcher = silence.getByRole('group', { name: 'Matcher 1' })
    await matcher.getByLabel('Label').fill('instance')
    await matcher.getByLabel('Operator').selectOption('=~')
    await matcher.getByLabel('Value').fill('web-(')
    await silence.getByLabel('Comment').fill('kernel upgrade')
    await silence.getByRole('button', { name: 'Create silence' }).click()
    expect(await silence.getByRole('alert').textContent()).toMatch(/400 · validation_failed/)
    await matcher.getByLabel('Value').fill('web-.*')
    await silence.getByRole('button', { name: 'Create silence' }).click()
    const silenceRow = page
      .getByRole('table', { name: 'Silences' })
      .getByRole('row', { name: /kernel upgrade/ })
    await silenceRow.waitFor()
    expect(await silenceRow.textContent()).toMatch(/^active.*instance=~web-\.\*/)
    await siteTabs.getByRole('link', { name: 'Alerts' }).click()
    await expect.poll(() => alertRow.textContent()).toMatch(/silenced.*acknowledged/)
    await siteTabs.getByRole('link', { name: 'Silences' }).click()
    page.once('dialog', (dialog) => void dialog.accept())
    await silenceRow.getByRole('button', { name: 'End early' }).click()
    await silenceRow.getByText('ended early').waitFor()

    // A rule: a bad expression is refused with where it goes wrong, beside the field; then a good one.
    await siteTabs.getByRole('link', { name: 'Rules' }).click()
    await page.getByText('No rules').waitFor()
    await page.getByRole('link', { name: 'New rule' }).click()
    const rule = page.getByRole('form', { name: 'New rule' })
    await rule.getByLabel('Name', { exact: true }).fill('Restart on latency')
    const expression = rule.getByLabel('Expression (CEL over alert and transition)')
    await expression.fill('alert.labels.service = "api"')
    await expect.poll(() => rule.getByLabel(/^Task/).inputValue()).toBe(task.body.id)
    await rule.getByLabel("Target label (its value names the agent's hostname)").fill('instance')
    await rule.getByRole('button', { name: 'Add parameter' }).click()
    await rule.getByRole('group', { name: 'Parameter 1' }).getByLabel('Name').fill('host')
    await rule
      .getByRole('group', { name: 'Parameter 1' })
      .getByLabel('Value')
      .fill('{{ alert.labels.instance }}')
    await rule.getByRole('button', { name: 'Create rule' }).click()
    const refused = rule.getByRole('alert')
    await refused.waitFor()
    expect(await refused.textContent()).toMatch(/^Line 1, column 22: Unexpected character: =/)
    expect(await refused.locator('pre').textContent()).toBe(
      `alert.labels.service = "api"\n${' '.repeat(21)}^`,
    )
    expect(await expression.getAttribute('aria-invalid')).toBe('true')
    await expression.fill('alert.name == "HighLatency" && alert.severity == "critical"')
    expect(await rule.getByRole('alert').count()).toBe(0)

    // Backtested unsaved: the one delivery so far matches, and its run would fail (no agent web-1 here).
    await rule.getByRole('button', { name: 'Backtest this rule' }).click()
    const trial = rule.getByRole('region', { name: 'Backtest result' })
    await trial.waitFor()
    expect(await trial.locator('dl').textContent()).toBe(
      'Deliveries1Unreadable0Transitions1Matches1Would start0',
    )
    const trialRows = trial.getByRole('table', { name: 'Backtest matches' }).getByRole('row')
    expect(await trialRows.count()).toBe(2)
    expect(await trialRows.nth(1).textContent()).toMatch(
      /HighLatency.*instance=web-1.*fired, episode 1failedno_targets: no approved agent matches the target/,
    )
    await rule.getByRole('button', { name: 'Create rule' }).click()
    const ruleCard = page.getByRole('region', { name: 'Rule Restart on latency' })
    await ruleCard.waitFor()
    await expect
      .poll(() => ruleCard.textContent())
      .toMatch(/version 1.*run Restart web on the host in instance.*host=\{\{ alert\.labels\.instance \}\}/)
    await page.getByText('The rule has not matched an alert yet.').waitFor()

    // A new series fires: the rule matches it, and its trigger says what came of it (no agent web-2 here).
    const second = await delivery({ fingerprint: 'a1b2c3d4e5f60718', instance: 'web-2' })
    expect(second.status).toBe(200)
    const triggers = page.getByRole('table', { name: 'Triggers' }).getByRole('row')
    await expect
      .poll(async () => {
        await page.reload()
        await ruleCard.waitFor()
        return triggers.count()
      })
      .toBe(2)
    expect(await triggers.nth(1).textContent()).toMatch(/fired, episode 1.*1(started|failed)/)

    // Backtested as saved over the last 24 h, then with a narrower expression; a broken one is placed.
    const backtest = page.getByRole('form', { name: 'Backtest' })
    await backtest.getByRole('button', { name: 'Run backtest' }).click()
    const result = backtest.getByRole('region', { name: 'Backtest result' })
    await result.waitFor()
    expect(await result.locator('dl').textContent()).toBe(
      'Deliveries2Unreadable0Transitions2Matches2Would start0',
    )
    const matches = result.getByRole('table', { name: 'Backtest matches' }).getByRole('row')
    expect(await matches.allTextContents()).toEqual([
      expect.stringMatching(/^At/),
      expect.stringMatching(/instance=web-1.*fired, episode 1failedno_targets/),
      expect.stringMatching(/instance=web-2.*fired, episode 1failedno_targets/),
    ])
    const tried = backtest.getByLabel("Expression to try (the rule's unless changed)")
    await tried.fill('alert.labels.instance = "web-2"')
    await backtest.getByRole('button', { name: 'Run backtest' }).click()
    expect(await backtest.getByRole('alert').textContent()).toMatch(
      /^Line 1, column 23: Unexpected character: =/,
    )
    await tried.fill('alert.labels.instance == "web-2"')
    await backtest.getByRole('button', { name: 'Run backtest' }).click()
    await expect
      .poll(() => result.locator('dl').textContent())
      .toBe('Deliveries2Unreadable0Transitions2Matches1Would start0')
    expect(await matches.nth(1).textContent()).toMatch(/instance=web-2.*failed/)
    await siteTabs.getByRole('link', { name: 'Rules' }).click()
    expect(await page.getByRole('row', { name: /Restart on latency/ }).textContent()).toMatch(/enabled/)

    // From the trigger to the alert, whose page names the rule and the run it caused.
    await page.getByRole('link', { name: 'Restart on latency' }).click()
    await ruleCard.getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('form', { name: 'Edit Restart on latency' })
    await edit.getByLabel('Enabled').uncheck()
    await edit.getByRole('button', { name: 'Save as a new version' }).click()
    await expect.poll(() => ruleCard.textContent()).toMatch(/version 2.*Statedisabled/)
    const versions = page.getByRole('table', { name: 'Versions' }).getByRole('row')
    await expect.poll(() => versions.count()).toBe(3)
    expect(await versions.nth(2).textContent()).toMatch(/^2.*alert\.name == "HighLatency"/)
    await versions.nth(2).getByText('show').click()
    expect(await versions.nth(2).locator('pre').textContent()).toContain('"enabled": false')
    await triggers.nth(1).getByRole('link', { name: 'fired, episode 1' }).click()
    const caused = page
      .getByRole('table', { name: 'Runs it caused' })
      .getByRole('row', { name: /Restart on latency/ })
    await caused.waitFor()
    expect(await caused.textContent()).toMatch(/Restart on latency v1.*fired \(episode 1\)(started|failed)/)
    const secondAlert = page.getByRole('region', { name: 'Alert HighLatency' })
    page.once('dialog', (dialog) => void dialog.accept())
    await secondAlert.getByRole('button', { name: 'Resolve' }).click()
    await history.getByText('resolved').waitFor()
    expect(await history.getByRole('listitem').last().textContent()).toContain('reason: manual')
    expect(await secondAlert.textContent()).toMatch(/^resolved critical HighLatency/)

    // The integration's page: what it received, what it refused, and a secret rotated then retired.
    expect(
      (await fetch(hookUrl, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: '{}' }))
        .status,
    ).toBe(401)
    await siteTabs.getByRole('link', { name: 'Integrations' }).click()
    await page.getByRole('link', { name: 'prometheus-prod' }).click()
    const integration = page.getByRole('region', { name: 'Integration prometheus-prod' })
    await integration.waitFor()
    expect(await integration.getByLabel('Hook URL').inputValue()).toBe(hookUrl)
    expect(await integration.getByRole('figure').locator('pre').textContent()).toContain(
      'credentials: <secret>',
    )
    const received = page.getByRole('table', { name: 'Deliveries' }).getByRole('row')
    await expect.poll(() => received.count()).toBe(3)
    expect(await received.nth(1).textContent()).toMatch(/fired\s*a1b2c3d4e5f60718/)
    expect(await page.getByRole('table', { name: 'Refusals' }).getByRole('row').nth(1).textContent()).toMatch(
      /wrong_secret1/,
    )
    await integration.getByRole('button', { name: 'Rotate secret' }).click()
    const rotated = await integration.getByLabel('Integration secret').inputValue()
    expect(rotated).not.toBe(secret)
    await integration.getByText('2: the new one and the previous one').waitFor()
    page.once('dialog', (dialog) => void dialog.accept())
    await integration.getByRole('button', { name: 'Retire previous secret' }).click()
    await expect
      .poll(() => integration.getByRole('button', { name: 'Retire previous secret' }).isDisabled())
      .toBe(true)
    expect((await delivery({ fingerprint: 'd0c296e49fc4ad26', instance: 'web-1' })).status).toBe(401)

    // Alerts across sites: filtered to this one and firing, the web-1 alert, linked to its site's page.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Alerts' }).click()
    const across = page.getByRole('form', { name: 'Filter alerts' })
    await across.getByLabel('Site').selectOption({ label: 'Alerts DC' })
    await across.getByLabel('Status').selectOption('firing')
    await across.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('site_id')).toBe(site.body.id)
    const acrossRows = page.getByRole('table', { name: 'Alerts' }).getByRole('row')
    await expect.poll(() => acrossRows.count()).toBe(2)
    expect(await acrossRows.nth(1).textContent()).toMatch(
      /firing.*critical.*HighLatency.*Alerts DC.*instance=web-1/,
    )
    await acrossRows.nth(1).getByRole('link', { name: 'HighLatency' }).click()
    await summary.waitFor()
    expect(new URL(page.url()).pathname).toMatch(new RegExp(`^/sites/${site.body.id as string}/alerts/`))
    expect(problems).toEqual([])
  }, 120_000)
  it('alerts: a tenant-wide integration made in the console routes an alert to the site its label names, its page says where each alert went, and its routing changes in place', async () => {
    const site = await callApi(platform.url, adminKey(), 'POST', '/v1/sites', {
      name: 'Routed DC',
      timezone: 'UTC',
    })
    expect(site.status).toBe(201)
    const siteId = site.body.id as string
    const { page, problems } = await openPage(browser, `${platform.url}/alerts`)
    await signIn(page, 'admin@localhost', platform.adminPassword as string)

    await page.getByRole('link', { name: 'Integrations for every site' }).click()
    await page.getByText('No integrations').waitFor()
    await page.getByRole('button', { name: 'New integration' }).click()
    const form = page.getByRole('form', { name: 'New integration' })
    await form.getByLabel('Name').fill('central-prometheus')
    await form.getByLabel('Label naming the site').fill('dc')
    await form.getByRole('button', { name: 'Add label value' }).click()
    const route = form.getByRole('group', { name: 'Route 1' })
    await route.getByLabel('Label value').fill('par')
    await route.getByLabel('Site').selectOption({ label: 'Routed DC' })
    await form.getByRole('button', { name: 'Create integration' }).click()
    const secret = await page.getByLabel('Integration secret').inputValue()
    const hookUrl = await page.getByLabel('Hook URL').inputValue()
    expect(hookUrl).toMatch(new RegExp(`^${platform.url}/v1/hooks/tenants/[0-9A-Z]{26}/[0-9A-Z]{26}$`))
    const row = page
      .getByRole('table', { name: 'Integrations' })
      .getByRole('row', { name: /central-prometheus/ })
    // Site names come with the sites list, which may load after the table.
    await row.getByText('by label dc; par → Routed DC; else unrouted').waitFor()

    const delivered = await fetch(hookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        receiver: 'sitewire',
        status: 'firing',
        alerts: ['par', 'ber'].map((dc, n) => ({
          status: 'firing',
          labels: { alertname: 'DiskFull', dc, severity: 'warning' },
          annotations: { summary: 'disk almost full' },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prom.example/graph',
          fingerprint: `c0ffee00c0ffee0${n}`,
        })),
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://am.example',
        version: '4',
        groupKey: '{}:{alertname="DiskFull"}',
        truncatedAlerts: 0,
      }),
    })
    expect(delivered.status).toBe(200)

    await row.getByRole('link', { name: 'central-prometheus' }).click()
    const summary = page.getByRole('region', { name: 'Integration central-prometheus' })
    await summary.waitFor()
    await summary.getByText('by label dc; par → Routed DC; else unrouted').waitFor()

    // Routing changes in place: `ber` now means the same site, and what names none goes there too.
    await summary.getByRole('button', { name: 'Change routing' }).click()
    const editor = summary.getByRole('form', { name: 'Change routing' })
    expect(await editor.getByRole('group', { name: 'Route 1' }).getByLabel('Label value').inputValue()).toBe(
      'par',
    )
    await editor.getByRole('button', { name: 'Add label value' }).click()
    const added = editor.getByRole('group', { name: 'Route 2' })
    await added.getByLabel('Label value').fill('ber')
    await added.getByLabel('Site').selectOption({ label: 'Routed DC' })
    await editor.getByLabel('Alerts naming no site go to').selectOption({ label: 'Routed DC' })
    await editor.getByRole('button', { name: 'Save routing' }).click()
    await summary.getByText('by label dc; par → Routed DC; ber → Routed DC; else Routed DC').waitFor()
    expect(await editor.count()).toBe(0)
    const integrationId = new URL(page.url()).pathname.split('/').at(-1) as string
    const stored = await callApi(platform.url, adminKey(), 'GET', `/v1/integrations/${integrationId}`)
    expect(stored.body.routing).toEqual({
      label: 'dc',
      sites: { par: siteId, ber: siteId },
      fallback_site_id: siteId,
    })

    const received = page.getByRole('table', { name: 'Deliveries' }).getByRole('row')
    await expect.poll(() => received.count()).toBe(2)
    await expect
      .poll(() => received.nth(1).textContent())
      .toMatch(/fired\s*c0ffee00c0ffee00 at Routed DC.*unrouted\s*c0ffee00c0ffee01/)
    await received.nth(1).getByRole('link', { name: 'c0ffee00c0ffee00' }).click()
    await page.getByRole('region', { name: 'Alert DiskFull' }).waitFor()
    expect(new URL(page.url()).pathname).toMatch(new RegExp(`^/sites/${siteId}/alerts/[0-9A-Z]{26}$`))
    expect(problems).toEqual([])
  }, 120_000)
})
