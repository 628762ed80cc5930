import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'

/** Debian's Chromium, kept from calling anywhere on its own: CI machines have no network. */
const launchChromium = () =>
  chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  })

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

/**
 * The web UI in Chromium against the platform started as the README starts it: the landing
 * page, and the API reference rendered in the browser from the live OpenAPI document.
 */
describe('web UI in Chromium', () => {
  let dataDir: string
  let platform: RunningPlatform
  let browser: Browser
  let operationCount: number

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-ui-'))
    platform = await startPlatform({ dataDir, port: testPort(5) })
    browser = await launchChromium()
    const spec = (await (await fetch(`${platform.url}/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    operationCount = Object.values(spec.paths)
      .flatMap((item) => Object.keys(item))
      .filter((key) => HTTP_METHODS.has(key)).length
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  /**
   * A fresh page at `path`, with everything that goes wrong in it recorded: console errors
   * (CSP violations among them), uncaught exceptions, failed requests and HTTP errors.
   */
  const open = async (path: string): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage()
    onTestFinished(() => page.close())
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('requestfailed', (request) =>
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
    )
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`)
    })
    await page.goto(`${platform.url}${path}`)
    return { page, problems }
  }

  /** The reference has rendered once its operations are on the page. */
  const openReference = async () => {
    const opened = await open('/v1/docs')
    await opened.page.locator('details.op').first().waitFor()
    return opened
  }

  const operation = (page: Page, summary: string) =>
    page.locator('details.op', { has: page.locator(':scope > summary', { hasText: summary }) })

  it('shows the landing page with links to the reference and the OpenAPI document', async () => {
    const { page, problems } = await open('/')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sitewire')
    const main = page.getByRole('main')
    expect(await main.getByRole('link', { name: /API reference/ }).getAttribute('href')).toBe('/v1/docs')
    expect(await main.getByRole('link', { name: /OpenAPI document/ }).getAttribute('href')).toBe(
      '/v1/openapi.json',
    )
    expect(await main.textContent()).toContain('The web console is coming')

    await main.getByRole('link', { name: /API reference/ }).click()
    await page.waitForURL('**/v1/docs')
    await page.locator('details.op').first().waitFor()
    expect(problems).toEqual([])
  })

  it('renders every operation of the live spec, grouped by tag, with the intro and auth note', async () => {
    const { page, problems } = await openReference()
    expect(await page.locator('details.op').count()).toBe(operationCount)
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual([
      'Sites',
      'Events',
      'Agents',
      'Tasks',
      'Runs',
      'Files',
      'Schedules',
      'Admin',
      'Access',
    ])

    const create = page.getByRole('region', { name: 'Sites' }).locator(operation(page, 'Create a site'))
    expect(await create.locator('summary .method').textContent()).toBe('POST')
    expect(await create.locator('summary .path').textContent()).toBe('/v1/sites')

    const intro = page.locator('#introduction')
    expect(await intro.getByRole('heading', { level: 1 }).textContent()).toBe('Sitewire API')
    expect(await intro.locator('code', { hasText: 'Authorization: Bearer <api key>' }).count()).toBe(1)
    expect(await intro.textContent()).toContain('Bearer token')
    expect(await page.title()).toBe('Sitewire API reference')
    expect(problems).toEqual([])
  })

  it('opens an operation to show its request body fields with types and rules', async () => {
    const { page, problems } = await openReference()
    const create = operation(page, 'Create a site')
    const body = create.locator('section', { has: page.getByRole('heading', { name: /Request body/ }) })
    const name = body.locator('tr', { has: page.locator('td.field code', { hasText: /^name$/ }) })
    expect(await name.isVisible()).toBe(false)

    await create.locator(':scope > summary').click()
    await name.waitFor({ state: 'visible' })
    expect(await name.locator('td.type').textContent()).toBe('string')
    expect(await name.locator('td.field').textContent()).toContain('required')
    expect(await name.locator('td.details').textContent()).toContain('1–100')
    const timezone = body.locator('tr', { has: page.locator('td.field code', { hasText: /^timezone$/ }) })
    expect(await timezone.locator('td.details').textContent()).toContain('"UTC"')

    const created = create.locator('details.response', {
      has: page.locator(':scope > summary', { hasText: '201' }),
    })
    const status = created.locator('tr', { has: page.locator('td.field code', { hasText: /^status$/ }) })
    expect(await status.locator('td.details code').allTextContents()).toEqual(['active', 'archived'])
    expect(problems).toEqual([])
  })

  it('narrows the operations to those matching the filter box', async () => {
    const { page, problems } = await openReference()
    const filter = page.getByRole('searchbox', { name: 'Filter operations' })
    const shown = page.locator('details.op:visible')
    const listed = page.getByRole('navigation', { name: 'Operations' }).locator('li:visible')

    await filter.fill('events/stream')
    await expect.poll(() => shown.count()).toBe(1)
    expect(await shown.locator('.op-summary').textContent()).toBe('Stream the log live (WebSocket)')
    expect(await listed.count()).toBe(1)
    expect(await page.getByRole('region', { name: 'Sites' }).isVisible()).toBe(false)

    await filter.fill('no operation has this')
    await expect.poll(() => shown.count()).toBe(0)
    expect(await page.locator('.no-match').isVisible()).toBe(true)

    await filter.fill('')
    await expect.poll(() => shown.count()).toBe(operationCount)
    expect(problems).toEqual([])
  })

  it('opens the operation a table-of-contents link points at', async () => {
    const { page, problems } = await openReference()
    await page
      .getByRole('navigation', { name: 'Operations' })
      .getByRole('link', { name: /Append CloudEvents/ })
      .click()
    const append = operation(page, 'Append CloudEvents')
    expect(await append.getAttribute('open')).not.toBeNull()
    expect(new URL(page.url()).hash).toBe(`#${await append.getAttribute('id')}`)
    expect(await append.locator('.op-body').isVisible()).toBe(true)
    expect(problems).toEqual([])
  })
})
