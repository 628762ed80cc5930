import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPage } from '../browser'
import { launchChromium } from '../chromium'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { callApi, signIn } from './console-support'

/** A site's Resources tab in Chromium, against the platform started as the README starts it. */
describe('resources in the web console', () => {
  let dataDir: string
  let platform: RunningPlatform
  let browser: Browser

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-console-resources-'))
    ;[platform, browser] = await Promise.all([
      startPlatform({ dataDir, port: testPort(37) }),
      launchChromium(),
    ])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('lists the site’s resources with their consumer, kind and status, its consumers, and a resource’s page', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      callApi(platform.url, platform.adminKey as string, method, path, body)
    const site = (await call('POST', '/v1/sites', { name: 'Resources' })).body as { id: string }
    const consumer = (
      await call('POST', `/v1/sites/${site.id}/consumers`, { name: 'web', selector: { role: 'web' } })
    ).body as { id: string }
    const created = await call('POST', `/v1/sites/${site.id}/resources`, {
      consumer_id: consumer.id,
      name: 'motd',
      manifest: { kind: 'File', path: '/etc/motd', content: 'hello\n' },
    })
    expect(created.status).toBe(201)

    const { page, problems } = await openPage(browser, `${platform.url}/sites/${site.id}/resources`)
    await signIn(page, 'admin@localhost', platform.adminPassword as string)
    const resources = page.getByRole('table', { name: 'Resources' })
    await resources.getByRole('cell', { name: 'motd' }).waitFor()
    const row = await resources.getByRole('row').nth(1).textContent()
    expect(row).toContain('web')
    expect(row).toContain('File')
    expect(row).toContain('no report yet')
    const consumers = page.getByRole('table', { name: 'Consumers' })
    expect(await consumers.getByRole('row').nth(1).textContent()).toContain('role=web')

    await resources.getByRole('link', { name: 'motd' }).click()
    await page.getByRole('region', { name: 'Resource motd' }).waitFor()
    expect(await page.getByRole('region', { name: 'Resource motd' }).textContent()).toContain('/etc/motd')
    expect(await page.getByRole('region', { name: 'Status history' }).textContent()).toContain('No reports')
    expect(problems).toEqual([])
  })
})
