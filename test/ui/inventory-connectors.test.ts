import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { statePaths } from '../../agent/state-dir'
import { SecretStore } from '../../agent/steps/secrets'
import { openPage } from '../browser'
import { launchChromium } from '../chromium'
import { runAgent, until } from '../e2e/agent-process'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { type AwsStandIn, startAwsStandIn } from '../stand-ins/aws'
import { callApi, signIn } from './console-support'

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE'

/** The Connectors tab in Chromium, against the platform started as the README starts it and a real agent. */
describe('inventory connectors in the web console', () => {
  let dataDir: string
  let stateDir: string
  let platform: RunningPlatform
  let browser: Browser
  let aws: AwsStandIn
  let agent: ReturnType<typeof runAgent> | undefined

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-console-connectors-'))
    stateDir = await mkdtemp(join(tmpdir(), 'sitewire-console-connectors-agent-'))
    ;[platform, browser, aws] = await Promise.all([
      startPlatform({ dataDir, port: testPort(55) }),
      launchChromium(),
      startAwsStandIn({
        accessKeyId: KEY_ID,
        pageSize: 10,
        refuse: { DescribeDBInstances: 'AccessDenied' },
        regions: {
          'eu-west-1': {
            zones: ['eu-west-1a'],
            instances: [{ id: 'i-0aaa', name: 'web-1', privateIp: '10.0.0.11', zone: 'eu-west-1a' }],
            balancers: [],
            databases: [],
          },
        },
      }),
    ])
  }, 120_000)

  afterAll(async () => {
    agent?.child.kill('SIGKILL')
    await browser?.close()
    await aws?.close()
    await platform?.stop()
    for (const dir of [dataDir, stateDir]) await rm(dir, { recursive: true, force: true })
  })

  it('creates a connector checked with the API’s schemas, shows each type’s last sync and the history', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      callApi(platform.url, platform.adminKey as string, method, path, body)
    const site = (await call('POST', '/v1/sites', { name: 'Cloud' })).body as { id: string }
    const token = (await call('POST', `/v1/sites/${site.id}/enrolment-tokens`, { labels: {} })).body as {
      token: string
    }
    expect(await runAgent(['enrol', token.token, '--state-dir', stateDir]).exited).toBe(0)
    const store = new SecretStore(statePaths(stateDir).secrets)
    store.set('AWS_ACCESS_KEY_ID', KEY_ID)
    store.set('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')
    agent = runAgent(['run', '--state-dir', stateDir])
    await until('the agent online', async () => {
      const agents = (await call('GET', `/v1/sites/${site.id}/agents`)).body as {
        items: { presence: string }[]
      }
      return agents.items[0]?.presence === 'online' ? true : undefined
    })

    const { page, problems } = await openPage(browser, `${platform.url}/inventory/connectors`)
    await signIn(page, 'admin@localhost', platform.adminPassword as string)
    const form = page.getByRole('form', { name: 'New connector' })
    await form.getByLabel('Name').fill('prod')
    await form.getByLabel('Regions (comma separated)').fill('')
    await form.getByRole('button', { name: 'Create connector' }).click()
    // Refused in the form, by the API's own schema: nothing was sent.
    await form.getByText('at least one region').waitFor()
    expect(
      ((await call('GET', `/v1/sites/${site.id}/inventory/connectors`)).body as { items: unknown[] }).items,
    ).toEqual([])
    await form.getByLabel('Regions (comma separated)').fill('eu-west-1')
    await form.getByLabel('Endpoint (optional)').fill(aws.url)
    await form.getByRole('button', { name: 'Create connector' }).click()

    const table = page.getByRole('table', { name: 'Connectors' })
    await table.getByRole('cell', { name: 'prod', exact: true }).waitFor()
    // The agent syncs at once; the list shows each type's last sync once the page reads it again.
    await until('the syncs', async () => {
      await page.reload()
      const text = (await page.getByRole('table', { name: 'Connectors' }).textContent()) ?? ''
      return text.includes('ok +1') && text.includes('failed:') ? text : undefined
    })
    const row = page.getByRole('table', { name: 'Connectors' }).getByRole('row', { name: /prod/ })
    expect(await row.textContent()).toContain(
      'Unauthorized: grant read-only permission rds:DescribeDBInstances',
    )

    await row.getByRole('button', { name: 'Sync now' }).click()
    const history = page.getByRole('table', { name: 'Syncs of prod' })
    await history.waitFor()
    await until('the second servers sync in the history', async () => {
      await page.reload()
      await row.getByRole('button', { name: 'History' }).click()
      await history.waitFor()
      const rows = await history.getByRole('row').allTextContents()
      return rows.filter((r) => r.includes('Servers')).length >= 2 ? rows : undefined
    })
    expect(problems).toEqual([])
  }, 180_000)
})
