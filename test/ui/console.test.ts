import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openPage } from '../browser'
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
    expect(await details.textContent()).toMatch(/OS\s*linux/)

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
    await viewer.page.goto(`${siteUrl}/enrolment`)
    await viewer.page.getByText('Enrolment tokens are for operators').waitFor()
    expect(await viewer.page.getByRole('form', { name: 'New enrolment token' }).count()).toBe(0)
    expect(
      await viewer.page
        .getByRole('navigation', { name: 'Console' })
        .getByRole('link', { name: 'Access' })
        .count(),
    ).toBe(0)
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
    expect(viewer.problems.filter((p) => !p.includes('403'))).toEqual([])
  })
})
