import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPage } from '../browser'
import { launchChromium } from '../chromium'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

interface Spec {
  tags: { name: string }[]
  paths: Record<string, Record<string, { summary?: string }>>
  components: { securitySchemes: Record<string, { description?: string }> }
}

/**
 * The API reference at /v1/docs, rendered in Chromium by the self-hosted Scalar bundle from
 * the live OpenAPI document, with nothing fetched from anywhere but the platform.
 */
describe('API reference in Chromium', () => {
  let dataDir: string
  let platform: RunningPlatform
  let browser: Browser
  let spec: Spec

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-docs-'))
    ;[platform, browser] = await Promise.all([
      startPlatform({ dataDir, port: testPort(5) }),
      launchChromium(),
    ])
    spec = (await (await fetch(`${platform.url}/v1/openapi.json`)).json()) as Spec
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('lists every operation of the live spec, from same-origin files only', async () => {
    const { page, problems, requests } = await openPage(browser, `${platform.url}/v1/docs`)
    await page.getByRole('heading', { name: 'Sitewire API', level: 1 }).waitFor()
    expect(await page.title()).toBe('Sitewire API reference')

    const summaries = Object.values(spec.paths)
      .flatMap((item) => Object.entries(item))
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([, operation]) => operation.summary ?? '')
    expect(summaries.length).toBeGreaterThan(70)
    const sidebar = page.getByRole('navigation', { name: 'Sidebar for Sitewire API' })
    // The first group (Sites) opens by itself; every other one is opened.
    for (const { name } of spec.tags.slice(1))
      await sidebar.getByRole('button', { name: `${name} Open Group` }).click()
    const listed = sidebar.getByRole('button', { name: /HTTP Method: / })
    await expect.poll(() => listed.count()).toBe(summaries.length)
    for (const summary of [
      'Create a site',
      'Append CloudEvents',
      'Create an enrolment token',
      'Create an API key',
    ])
      expect(await sidebar.getByRole('button', { name: `${summary} HTTP Method: POST` }).count()).toBe(1)

    // The reference's search finds operations by what they do.
    await page.keyboard.press('Control+k')
    await page.getByRole('combobox', { name: 'Enter search query' }).fill('enrolment token')
    const results = page.getByRole('listbox', { name: 'Reference Search Results' })
    await results.getByRole('option', { name: /Create an enrolment token/ }).waitFor()
    expect(requests).toContain(`${platform.url}/reference/scalar.js`)
    expect(requests.filter((url) => !url.startsWith(platform.url))).toEqual([])
    expect(problems).toEqual([])
  })

  it('says API keys go in the Authorization header and the cookie is for the console', async () => {
    expect(spec.components.securitySchemes.apiKey?.description).toContain('Authorization: Bearer <api key>')
    expect(spec.components.securitySchemes.session?.description).toContain('web console')
    const { page, problems } = await openPage(browser, `${platform.url}/v1/docs`)
    const intro = page.getByText(/needs an API key in/)
    await intro.waitFor()
    expect(await intro.textContent()).toMatch(
      /Authorization: Bearer <api key>.*web console uses the\s+sitewire_session/s,
    )
    expect(problems).toEqual([])
  })
})
