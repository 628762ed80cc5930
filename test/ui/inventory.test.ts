import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPage } from '../browser'
import { launchChromium } from '../chromium'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { callApi, signIn } from './console-support'

/** The Inventory section in Chromium, against the platform started as the README starts it. */
describe('inventory in the web console', () => {
  let dataDir: string
  let platform: RunningPlatform
  let browser: Browser

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-console-inventory-'))
    ;[platform, browser] = await Promise.all([
      startPlatform({ dataDir, port: testPort(45) }),
      launchChromium(),
    ])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('filters servers, opens one with its relations and history, exports the CSV, pivots and imports', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      callApi(platform.url, platform.adminKey as string, method, path, body)
    const site = (await call('POST', '/v1/sites', { name: 'Inventory' })).body as { id: string }
    const entities = `/v1/sites/${site.id}/inventory/entities`
    const create = async (body: unknown) => {
      const created = await call('POST', entities, body)
      expect(created.status).toBe(201)
      return (created.body as { id: string }).id
    }
    const web = await create({
      kind: 'server',
      name: 'web-1',
      tags: ['front'],
      attributes: { hostname: 'web-1', environment: 'prod', private_ipv4: ['10.0.0.5'] },
    })
    await create({ kind: 'server', name: 'db-1', attributes: { hostname: 'db-1', environment: 'staging' } })
    const acme = await create({ kind: 'client', name: 'Acme', attributes: {} })
    const shop = await create({ kind: 'system', name: 'Shop', attributes: {} })
    const api = await create({ kind: 'application', name: 'shop-api', attributes: { language: 'go' } })
    const relate = async (type: string, from_id: string, to_id: string) =>
      expect(
        (await call('POST', `/v1/sites/${site.id}/inventory/relations`, { type, from_id, to_id })).status,
      ).toBe(201)
    await relate('owned_by', shop, acme)
    await relate('member_of', api, shop)
    await relate('runs_on', api, web)
    expect((await call('PATCH', `${entities}/${web}`, { attributes: { memory_mb: 8192 } })).status).toBe(200)
    // Reports read the tenant-wide projection, a moment behind the site's log.
    await expect
      .poll(
        async () =>
          (
            await call(
              'GET',
              '/v1/inventory/reports/pivot?chain=client,owned_by,system,member_of,application,runs_on,server',
            )
          ).body?.counts,
        { timeout: 15_000 },
      )
      .toEqual([1, 1, 1, 1])

    const { page, problems } = await openPage(browser, `${platform.url}/inventory?kind=server`)
    await signIn(page, 'admin@localhost', platform.adminPassword as string)
    const table = page.getByRole('table', { name: 'Entities' })
    await table.getByRole('link', { name: 'db-1' }).waitFor()
    expect(await table.getByRole('link', { name: 'web-1' }).count()).toBe(1)

    // Filter: environment equals prod leaves web-1 alone; the URL keeps the filter.
    const filters = page.getByRole('form', { name: 'Filter entities' })
    await filters.getByRole('button', { name: 'Add filter' }).click()
    const first = filters.getByRole('group', { name: 'Filter 1' })
    await first.getByLabel('Field').fill('attributes.environment')
    await first.getByLabel('Operator').selectOption('equals')
    await first.getByLabel('Value').fill('prod')
    await filters.getByLabel('Columns').fill('name,attributes.hostname,attributes.environment,tags')
    await filters.getByLabel('Count by').fill('attributes.environment')
    await filters.getByRole('button', { name: 'Apply' }).click()
    await page.getByRole('status').filter({ hasText: '1 entity' }).waitFor()
    expect(await table.getByRole('link', { name: 'db-1' }).count()).toBe(0)
    expect(await table.getByRole('row').nth(1).textContent()).toBe('web-1web-1prodfront')
    expect(page.url()).toContain('filter=attributes.environment%3Aequals%3Aprod')
    expect(await page.getByRole('region', { name: 'Counts' }).textContent()).toContain('prod 1')
    expect(
      await page.getByRole('img', { name: 'Entities by attributes.environment' }).locator('canvas').count(),
    ).toBe(1)

    // Export CSV: the file the browser downloads holds the filtered rows, RFC 4180.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('region', { name: 'Export' }).getByRole('link', { name: 'Export CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toBe('server-report.csv')
    const csv = await readFile((await download.path()) as string, 'utf8')
    // A list is a JSON cell, as the import reads it back.
    expect(csv).toBe(
      'name,attributes.hostname,attributes.environment,tags\r\nweb-1,web-1,prod,"[""front""]"\r\n',
    )

    // The entity's page: its fields, its relation to shop-api, its history and a diff.
    await table.getByRole('link', { name: 'web-1' }).click()
    const fields = page.getByRole('region', { name: 'Entity web-1' })
    await fields.waitFor()
    expect(await fields.textContent()).toContain('10.0.0.5')
    expect(await fields.textContent()).toContain('8192')
    const relations = page.getByRole('table', { name: 'Relations' })
    await relations.getByRole('link', { name: 'shop-api' }).waitFor()
    expect(await relations.getByRole('row').nth(1).textContent()).toContain('runs_on (from)')
    const changes = page.getByRole('table', { name: 'Changes' })
    await changes.getByRole('row').nth(2).waitFor()
    expect(await changes.getByRole('row').count()).toBe(3)
    expect(await changes.getByRole('row').nth(2).textContent()).toContain('entity.updated')
    const compare = page.getByRole('group', { name: 'Compare' })
    const options = await compare.getByLabel('From').locator('option').allTextContents()
    await compare.getByLabel('From').selectOption({ label: options[1] as string })
    await compare.getByLabel('To').selectOption({ label: options[2] as string })
    const differences = page.getByRole('table', { name: 'Differences' })
    await differences.waitFor()
    expect(await differences.getByRole('row').nth(1).textContent()).toBe('attributes.memory_mb—8192')
    await changes.getByRole('button', { name: 'View as of' }).first().click()
    const then = page.getByRole('group', { name: 'As of' })
    await then.getByText('Version').waitFor()
    expect(await then.textContent()).not.toContain('8192')

    // A related entity's link leads to its page.
    await relations.getByRole('link', { name: 'shop-api' }).click()
    await page.getByRole('region', { name: 'Entity shop-api' }).waitFor()

    // The pivot tree: client → system → application → server.
    await page.getByRole('navigation', { name: 'Inventory' }).getByRole('link', { name: 'Pivot' }).click()
    const tree = page.getByRole('region', { name: 'Pivot tree' })
    await tree.getByRole('link', { name: 'web-1' }).waitFor()
    expect(await tree.textContent()).toContain('1 client → 1 system → 1 application → 1 server')

    // Import: a failing line is reported as a table, and nothing is stored.
    await page.getByRole('navigation', { name: 'Inventory' }).getByRole('link', { name: 'Import' }).click()
    const form = page.getByRole('form', { name: 'Import entities' })
    await form
      .getByLabel('CSV', { exact: true })
      .fill('name,attributes.hostname\r\napp-1,app-1\r\napp-2,\r\n')
    await form.getByRole('button', { name: 'Import' }).click()
    const lines = page.getByRole('table', { name: 'Import lines' })
    await lines.waitFor()
    expect(await lines.getByRole('row').nth(1).textContent()).toMatch(/^2valid/)
    expect(await lines.getByRole('row').nth(2).textContent()).toContain('attributes.hostname')
    expect(await page.getByRole('status').filter({ hasText: 'Nothing applied' }).count()).toBe(1)
    const listed = await call('GET', `${entities}?kind=server&q=app-`)
    expect((listed.body as { items: unknown[] }).items).toEqual([])

    // Create: the form checks the kind's attributes as the API does before writing.
    await page.goto(`${platform.url}/inventory/new?kind=server`)
    const creating = page.getByRole('form', { name: 'New entity' })
    await creating.getByLabel('Name').fill('cache-1')
    await creating.getByRole('button', { name: 'Create entity' }).click()
    expect(await creating.getByRole('alert').textContent()).toContain('attributes.hostname')
    await creating.getByLabel('Attributes (JSON)').fill('{"hostname":"cache-1","memory_mb":2048}')
    await creating.getByRole('button', { name: 'Create entity' }).click()
    await page.getByRole('region', { name: 'Entity cache-1' }).waitFor()
    expect(page.url()).toMatch(new RegExp(`/sites/${site.id}/inventory/[0-9A-Z]{26}$`))

    // Deactivate from the entity's page.
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Deactivate' }).click()
    await page.getByRole('button', { name: 'Restore' }).waitFor()
    expect(problems).toEqual([])
  })

  it('saves the filtered report with a schedule, runs it from Saved reports and downloads the result', async () => {
    const query = 'kind=server&columns=name,attributes.environment&filter=attributes.environment:equals:prod'
    const { page, problems } = await openPage(browser, `${platform.url}/inventory?${query}`)
    await signIn(page, 'admin@localhost', platform.adminPassword as string)
    await page.getByRole('table', { name: 'Entities' }).getByRole('link', { name: 'web-1' }).waitFor()

    await page.getByRole('region', { name: 'Export' }).getByRole('button', { name: 'Save report' }).click()
    const form = page.getByRole('form', { name: 'Save report' })
    await form.getByLabel('Name').fill('Prod servers')
    await form.getByLabel('Format').selectOption('csv')
    await form.getByLabel('Runs').selectOption('cron')
    await form.getByLabel('Cron (minute hour day month weekday)').fill('0 6 * * 1')
    await form.getByLabel('Time zone').fill('Europe/Paris')
    await form.getByRole('button', { name: 'Save report' }).click()

    const list = page.getByRole('table', { name: 'Saved reports' })
    await list.getByRole('link', { name: 'Prod servers' }).waitFor()
    expect(page.url()).toBe(`${platform.url}/inventory/saved`)
    const row = list.getByRole('row').nth(1)
    expect(await row.textContent()).toContain('0 6 * * 1 (Europe/Paris)')
    expect(await row.textContent()).toContain('none yet')
    await row.getByRole('button', { name: 'Run Prod servers now' }).click()
    await row.getByText('succeeded').waitFor()

    await list.getByRole('link', { name: 'Prod servers' }).click()
    const results = page.getByRole('table', { name: 'Results' })
    await results.getByRole('row').nth(1).waitFor()
    expect(await results.getByRole('row').nth(1).textContent()).toMatch(/manualsucceeded1/)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      results.getByRole('link', { name: 'Download CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^Prod-servers-[0-9A-Z]{26}\.csv$/)
    expect(await readFile((await download.path()) as string, 'utf8')).toBe(
      'name,attributes.environment\r\nweb-1,prod\r\n',
    )

    // Saved as the API keeps it: the screen's query, for the signed-in admin.
    const saved = await callApi(
      platform.url,
      platform.adminKey as string,
      'GET',
      '/v1/inventory/saved-reports',
    )
    const [report] = (saved.body as { items: { report: unknown; format: string }[] }).items
    expect(report).toMatchObject({
      format: 'csv',
      report: {
        type: 'entities',
        query: {
          kind: 'server',
          columns: 'name,attributes.environment',
          filter: ['attributes.environment:equals:prod'],
        },
      },
    })
    expect(problems).toEqual([])
  })
})
