import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type {
  Alert,
  AlertRecord,
  Delivery,
  HookAccepted,
  IntegrationWithSecret,
  Silence,
} from '../../schema/api/alerts'
import type { Site } from '../../schema/api/sites'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'
import type { Page } from '../lib/paging'
import type { SiteObject } from '../site-object/site-object'

let admin: Client
let viewerKey: string
let other: Client

beforeAll(async () => {
  const tenant = await newTenant()
  admin = tenant.client
  viewerKey = await tenant.keyFor('viewer')
  other = (await newTenant()).client
})

const hook = client(undefined)

/** An Alertmanager v4 delivery of the given alerts, as Alertmanager 0.25 posts it. */
const amBody = (
  alerts: { labels: Record<string, string>; status?: string; startsAt?: string; endsAt?: string }[],
) => ({
  receiver: 'sitewire',
  status: alerts[0]?.status ?? 'firing',
  alerts: alerts.map((alert) => ({
    status: alert.status ?? 'firing',
    labels: { alertname: 'HighLatency', severity: 'critical', ...alert.labels },
    annotations: { summary: 'p99 latency high' },
    startsAt: alert.startsAt ?? '2026-12-06T09:00:00Z',
    endsAt: alert.endsAt ?? '0001-01-01T00:00:00Z',
    generatorURL: 'http://prom.example/graph',
    fingerprint: `f${Object.values(alert.labels).join('')}`.padEnd(16, '0').slice(0, 16),
  })),
  groupLabels: { alertname: 'HighLatency' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://am.example',
  version: '4',
  groupKey: '{}:{alertname="HighLatency"}',
  truncatedAlerts: 0,
})

const newIntegration = async (site: Site, settings: Record<string, unknown> = { kind: 'alertmanager' }) => {
  const response = await admin(`/v1/sites/${site.id}/integrations`, {
    method: 'POST',
    json: { name: 'prometheus', settings },
  })
  expect(response.status).toBe(201)
  return (await response.json()) as IntegrationWithSecret & { secret: string }
}

const deliver = (path: string, secret: string, body: unknown, headers: Record<string, string> = {}) =>
  hook(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'cf-connecting-ip': '192.0.2.7', ...headers },
    json: body,
  })

const alertsOf = async (site: Site, query = '') =>
  ((await (await admin(`/v1/sites/${site.id}/alerts${query}`)).json()) as Page<Alert>).items

const headOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

describe('integrations', () => {
  it('are made with a secret shown once and a setup to paste, kept out of the log', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    expect(integration.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(integration.hook_path).toBe(`/v1/hooks/${site.id}/${integration.id}`)
    expect(integration.setup.format).toBe('yaml')
    expect(integration.setup.text).toContain(`https://sitewire.test${integration.hook_path}`)
    expect(integration.setup.text).not.toContain(integration.secret)

    const shown = (await (
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}`)
    ).json()) as Record<string, unknown>
    expect(shown.secret).toBeUndefined()
    expect(shown.secrets).toBe(1)
    const log = await (await admin(`/v1/sites/${site.id}/events?limit=1000`)).text()
    expect(log).toContain('io.sitewire.integration.created')
    expect(log).not.toContain(integration.secret)
  })

  it('rotate: both secrets hold until the previous one is retired', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    const rotated = (await (
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}/rotate-secret`, { method: 'POST' })
    ).json()) as IntegrationWithSecret & { secret: string }
    expect(rotated.secrets).toBe(2)
    expect(rotated.secret).not.toBe(integration.secret)
    const body = amBody([{ labels: { instance: 'web-1' } }])
    expect((await deliver(rotated.hook_path, integration.secret, body)).status).toBe(200)
    expect((await deliver(rotated.hook_path, rotated.secret, body)).status).toBe(200)

    const retired = await admin(`/v1/sites/${site.id}/integrations/${integration.id}/retire-secret`, {
      method: 'POST',
    })
    expect(((await retired.json()) as { secrets: number }).secrets).toBe(1)
    await expectError(await deliver(rotated.hook_path, integration.secret, body), 401, 'unauthorized')
    expect((await deliver(rotated.hook_path, rotated.secret, body)).status).toBe(200)
    await expectError(
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}/retire-secret`, { method: 'POST' }),
      409,
      'nothing_to_retire',
    )
  })

  it('need the admin role to make, and are not visible to another tenant', async () => {
    const site = await createSite(admin, 'alerts')
    const viewer = client(viewerKey)
    await expectError(
      await viewer(`/v1/sites/${site.id}/integrations`, {
        method: 'POST',
        json: { name: 'x', settings: { kind: 'alertmanager' } },
      }),
      403,
      'forbidden',
    )
    expect((await viewer(`/v1/sites/${site.id}/integrations`)).status).toBe(200)
    await expectError(await other(`/v1/sites/${site.id}/integrations`), 404, 'not_found')
    await expectError(
      await admin(`/v1/sites/${site.id}/integrations`, {
        method: 'POST',
        json: { name: 'x', settings: { kind: 'pagerduty' } },
      }),
      400,
      'validation_failed',
    )
  })
})

describe('deliveries', () => {
  it('fire, repeat, resolve and fire again an Alertmanager alert, recorded as they came', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    const firing = amBody([{ labels: { instance: 'web-1', service: 'api' } }])

    const first = await deliver(integration.hook_path, integration.secret, firing)
    expect(first.status).toBe(200)
    const accepted = (await first.json()) as HookAccepted
    expect(accepted.alerts).toEqual([
      { fingerprint: firing.alerts[0]?.fingerprint, alert_id: expect.any(String), outcome: 'fired' },
    ])
    const alertId = accepted.alerts[0]?.alert_id as string

    const [alert] = await alertsOf(site)
    expect(alert).toMatchObject({
      id: alertId,
      status: 'firing',
      severity: 'critical',
      name: 'HighLatency',
      summary: 'p99 latency high',
      episode: 1,
      fingerprint_formula: 'alertmanager',
      labels: { alertname: 'HighLatency', instance: 'web-1', service: 'api', severity: 'critical' },
      receive_count: 1,
      silenced_by: [],
    })
    expect(alert?.links).toContainEqual({ rel: 'source', href: 'http://prom.example/graph' })

    const again = (await (
      await deliver(integration.hook_path, integration.secret, firing)
    ).json()) as HookAccepted
    expect(again.alerts[0]?.outcome).toBe('unchanged')
    expect((await alertsOf(site))[0]?.receive_count).toBe(2)

    const resolved = amBody([
      { labels: { instance: 'web-1', service: 'api' }, status: 'resolved', endsAt: '2026-12-06T09:05:00Z' },
    ])
    expect(
      ((await (await deliver(integration.hook_path, integration.secret, resolved)).json()) as HookAccepted)
        .alerts[0]?.outcome,
    ).toBe('resolved')
    expect((await alertsOf(site))[0]).toMatchObject({
      status: 'resolved',
      ends_at: '2026-12-06T09:05:00.000Z',
      resolve_reason: 'sender',
    })

    const refiring = amBody([
      { labels: { instance: 'web-1', service: 'api' }, startsAt: '2026-12-06T09:10:00Z' },
    ])
    await deliver(integration.hook_path, integration.secret, refiring)
    expect((await alertsOf(site))[0]).toMatchObject({
      id: alertId,
      status: 'firing',
      episode: 2,
      ends_at: null,
    })

    const history = (await (await admin(`/v1/sites/${site.id}/alerts/${alertId}/history`)).json()) as {
      items: { type: string }[]
    }
    expect(history.items.map((e) => e.type)).toEqual([
      'io.sitewire.alert.fired',
      'io.sitewire.alert.resolved',
      'io.sitewire.alert.fired',
    ])

    const deliveries = (await (
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}/deliveries`)
    ).json()) as Page<Delivery>
    expect(deliveries.items).toHaveLength(4)
    const recorded = deliveries.items[0] as Delivery
    expect(recorded.headers.authorization).toBe('***')
    expect(recorded.headers['cf-connecting-ip']).toBeUndefined()
    expect(recorded.source_address).toBe('192.0.2.7')
    expect(JSON.parse(recorded.body ?? '')).toEqual(firing)
    expect(recorded.alerts[0]?.outcome).toBe('fired')
  })

  it('filter and count alerts by status, severity, labels and text', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    await deliver(
      integration.hook_path,
      integration.secret,
      amBody([
        { labels: { instance: 'web-1', service: 'api' } },
        { labels: { instance: 'web-2', service: 'api', severity: 'warning' } },
        { labels: { instance: 'db-1', service: 'db' } },
      ]),
    )
    expect(await alertsOf(site, '?label=service=api')).toHaveLength(2)
    expect(await alertsOf(site, '?label=service=api,instance=web-2')).toHaveLength(1)
    expect(await alertsOf(site, '?severity=warning')).toHaveLength(1)
    expect(await alertsOf(site, '?status=resolved')).toHaveLength(0)
    expect(await alertsOf(site, '?q=latency')).toHaveLength(3)
    const counts = await (await admin(`/v1/sites/${site.id}/alerts/counts?group_by=service`)).json()
    expect(counts).toEqual({
      groups: [
        { labels: { service: 'api' }, count: 2, by_severity: { critical: 1, warning: 1 } },
        { labels: { service: 'db' }, count: 1, by_severity: { critical: 1 } },
      ],
    })
    await expectError(await admin(`/v1/sites/${site.id}/alerts?label=nope`), 400, 'validation_failed')
  })

  it('refuse bad credentials (counted, body not kept), bad bodies, unknown ids and oversize bodies, storing nothing', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    const head = await headOf(site)
    const wrong = await expectError(
      await deliver(integration.hook_path, 'wrong', amBody([{ labels: { a: '1' } }])),
      401,
      'unauthorized',
    )
    expect(wrong.error.details).toEqual({ reason: expect.any(String) })
    await expectError(
      await hook(integration.hook_path, { method: 'POST', json: amBody([{ labels: { a: '1' } }]) }),
      401,
      'unauthorized',
    )
    const refusals = (await (
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}/refusals`)
    ).json()) as { items: { source_address: string; reason: string; count: number }[] }
    expect(refusals.items.reduce((sum, r) => sum + r.count, 0)).toBe(2)
    expect(refusals.items.map((r) => r.source_address)).toContain('192.0.2.7')

    const malformed = await deliver(integration.hook_path, integration.secret, undefined, {
      'content-type': 'application/json',
    })
    await expectError(malformed, 400, 'malformed_delivery')
    const badShape = await expectError(
      await deliver(integration.hook_path, integration.secret, { version: '4', alerts: 'no' }),
      400,
      'malformed_delivery',
    )
    expect(badShape.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]),
    )
    await expectError(
      await deliver(
        `/v1/hooks/${site.id}/01JZZZZZZZZZZZZZZZZZZZZZZZ`,
        integration.secret,
        amBody([{ labels: {} }]),
      ),
      404,
      'not_found',
    )
    const big = { ...amBody([{ labels: { a: '1' } }]), padding: 'x'.repeat(1024 * 1024) }
    await expectError(await deliver(integration.hook_path, integration.secret, big), 413, 'body_too_large')
    // Another site's path cannot reach this integration.
    const elsewhere = await createSite(admin, 'elsewhere')
    await expectError(
      await deliver(
        `/v1/hooks/${elsewhere.id}/${integration.id}`,
        integration.secret,
        amBody([{ labels: {} }]),
      ),
      404,
      'not_found',
    )
    expect(await headOf(site)).toBe(head)
    expect(await alertsOf(site)).toEqual([])
  })

  it('refuse a repeated delivery id from senders that send one', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site, { kind: 'webhook', signing: 'github' })
    const body = JSON.stringify({ name: 'DiskFull', labels: { host: 'db-1' } })
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(integration.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))
    const signature = `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`
    const post = () =>
      hook(integration.hook_path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signature,
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        },
        body,
      })
    expect((await post()).status).toBe(200)
    const again = await expectError(await post(), 409, 'duplicate_delivery')
    expect(again.error.details).toEqual({ delivery_id: expect.any(String) })
    expect(await alertsOf(site)).toHaveLength(1)
  })
})

describe('alerts', () => {
  it('are listed across sites from the projections, to the caller’s tenant only', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    await deliver(
      integration.hook_path,
      integration.secret,
      amBody([{ labels: { instance: 'web-1', service: 'tenant-wide' } }]),
    )
    const [record] = await eventually(async () => {
      const page = (await (
        await admin(`/v1/alerts?site_id=${site.id}&label=service=tenant-wide`)
      ).json()) as Page<AlertRecord>
      return page.items.length > 0 ? page.items : undefined
    })
    expect(record).toMatchObject({
      site_id: site.id,
      status: 'firing',
      severity: 'critical',
      silenced: false,
      acknowledged: false,
    })
    await admin(`/v1/sites/${site.id}/alerts/${record?.id}/acknowledge`, { method: 'POST' })
    await eventually(async () => {
      const page = (await (await admin(`/v1/alerts?site_id=${site.id}`)).json()) as Page<AlertRecord>
      return page.items[0]?.acknowledged ? true : undefined
    })
    expect(
      ((await (await other(`/v1/alerts?site_id=${site.id}`)).json()) as Page<AlertRecord>).items,
    ).toEqual([])
  })

  it('are acknowledged and resolved by hand; a resolved alert cannot be', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    await deliver(integration.hook_path, integration.secret, amBody([{ labels: { instance: 'web-9' } }]))
    const [alert] = await alertsOf(site)
    const acked = await admin(`/v1/sites/${site.id}/alerts/${alert?.id}/acknowledge`, {
      method: 'POST',
      json: { note: 'looking' },
    })
    expect(((await acked.json()) as Alert).acknowledged).toMatchObject({
      note: 'looking',
      by: expect.stringMatching(/^key\//),
    })
    const resolved = await admin(`/v1/sites/${site.id}/alerts/${alert?.id}/resolve`, { method: 'POST' })
    expect(((await resolved.json()) as Alert).resolve_reason).toBe('manual')
    await expectError(
      await admin(`/v1/sites/${site.id}/alerts/${alert?.id}/acknowledge`, { method: 'POST' }),
      409,
      'alert_resolved',
    )
    await expectError(
      await client(viewerKey)(`/v1/sites/${site.id}/alerts/${alert?.id}/resolve`, { method: 'POST' }),
      403,
      'forbidden',
    )
    await expectError(await admin(`/v1/sites/${site.id}/alerts/01JZZZZZZZZZZZZZZZZZZZZZZZ`), 404, 'not_found')
  })
})

describe('silences', () => {
  it('hold matching alerts, firing now or later, until they end', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    await deliver(
      integration.hook_path,
      integration.secret,
      amBody([{ labels: { instance: 'web-1', service: 'api' } }]),
    )
    const ends = new Date(Date.now() + 3600_000).toISOString()
    const created = await admin(`/v1/sites/${site.id}/silences`, {
      method: 'POST',
      json: { matchers: [{ label: 'service', op: '=', value: 'api' }], ends_at: ends, comment: 'deploy' },
    })
    expect(created.status).toBe(201)
    const silence = (await created.json()) as Silence
    expect(silence.active).toBe(true)
    expect((await alertsOf(site))[0]?.silenced_by).toEqual([silence.id])

    await deliver(
      integration.hook_path,
      integration.secret,
      amBody([{ labels: { instance: 'web-2', service: 'api' } }]),
    )
    await deliver(
      integration.hook_path,
      integration.secret,
      amBody([{ labels: { instance: 'db-1', service: 'db' } }]),
    )
    expect(await alertsOf(site, '?silenced=true')).toHaveLength(2)
    expect(await alertsOf(site, '?silenced=false')).toHaveLength(1)

    const ended = await admin(`/v1/sites/${site.id}/silences/${silence.id}`, { method: 'DELETE' })
    expect(((await ended.json()) as Silence).active).toBe(false)
    expect(await alertsOf(site, '?silenced=true')).toHaveLength(0)
    await expectError(
      await admin(`/v1/sites/${site.id}/silences/${silence.id}`, { method: 'DELETE' }),
      409,
      'silence_deleted',
    )
  })

  it('open and close on the alarm when their time comes', async () => {
    const site = await createSite(admin, 'alerts')
    const integration = await newIntegration(site)
    await deliver(
      integration.hook_path,
      integration.secret,
      amBody([{ labels: { instance: 'web-1', service: 'api' } }]),
    )
    const startsAt = new Date(Date.now() + 1500).toISOString()
    const endsAt = new Date(Date.now() + 3000).toISOString()
    await admin(`/v1/sites/${site.id}/silences`, {
      method: 'POST',
      json: {
        matchers: [{ label: 'instance', op: '=~', value: 'web-.*' }],
        starts_at: startsAt,
        ends_at: endsAt,
      },
    })
    expect((await alertsOf(site))[0]?.silenced_by).toEqual([])
    const object = env.SITE.get(env.SITE.idFromName(site.id))
    await new Promise((resolve) => setTimeout(resolve, 1600))
    await runInDurableObject(object, (instance: SiteObject) => instance.alarm())
    expect((await alertsOf(site))[0]?.silenced_by).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await runInDurableObject(object, (instance: SiteObject) => instance.alarm())
    expect((await alertsOf(site))[0]?.silenced_by).toEqual([])
  })

  it('refuse matchers that are not regular expressions, and ends in the past', async () => {
    const site = await createSite(admin, 'alerts')
    await expectError(
      await admin(`/v1/sites/${site.id}/silences`, {
        method: 'POST',
        json: { matchers: [{ label: 'a', op: '=~', value: '(' }], ends_at: '2099-01-01T00:00:00Z' },
      }),
      400,
      'validation_failed',
    )
    await expectError(
      await admin(`/v1/sites/${site.id}/silences`, {
        method: 'POST',
        json: { matchers: [{ label: 'a', op: '=', value: 'b' }], ends_at: '2001-01-01T00:00:00Z' },
      }),
      422,
      'ends_in_past',
    )
  })
})

describe('senders that never resolve', () => {
  afterEach(() => vi.useRealTimers())

  it('resolve when no delivery comes for the configured time, each delivery extending it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const site = await createSite(admin, 'splunk')
    const integration = await newIntegration(site, { kind: 'splunk', resolve_after_seconds: 3600 })
    const object = env.SITE.get(env.SITE.idFromName(site.id))
    const alarm = () => runInDurableObject(object, (instance: SiteObject) => instance.alarm())
    const post = (sid: string) =>
      hook(`${integration.hook_path}?token=${integration.secret}`, {
        method: 'POST',
        json: {
          result: { host: 'db-1', count: '8' },
          sid,
          results_link: 'http://splunk.example/r',
          search_name: 'Mongo errors',
          owner: 'admin',
          app: 'search',
        },
      })
    expect((await post('sid-1')).status).toBe(200)
    vi.setSystemTime(Date.now() + 30 * 60_000)
    // Each search run has its own sid, which the alert's annotations show: an update.
    expect(((await (await post('sid-2')).json()) as HookAccepted).alerts[0]?.outcome).toBe('updated')
    vi.setSystemTime(Date.now() + 50 * 60_000)
    await alarm()
    expect((await alertsOf(site))[0]?.status).toBe('firing')
    vi.setSystemTime(Date.now() + 11 * 60_000)
    await alarm()
    expect((await alertsOf(site))[0]).toMatchObject({ status: 'resolved', resolve_reason: 'expired' })
    const deliveries = (await (
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}/deliveries`)
    ).json()) as Page<Delivery>
    expect(deliveries.items[0]?.path).toBe(`${integration.hook_path}?token=***`)
  })
})
