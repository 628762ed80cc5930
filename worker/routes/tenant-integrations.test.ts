import { env, runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RoutedDelivery } from '../../schema/alerts/routing'
import type {
  Alert,
  HookRefusal,
  IntegrationWithSecret,
  TenantDelivery,
  TenantHookAccepted,
} from '../../schema/api/alerts'
import type { Site } from '../../schema/api/sites'
import * as store from '../../schema/db/tenant-store'
import type { AlertDeliveryReceived } from '../../schema/events'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'
import type { Page } from '../lib/paging'
import type { TenantObject } from '../tenant/tenant'

let tenant: Awaited<ReturnType<typeof newTenant>>
let admin: Client
let viewer: Client
let other: Awaited<ReturnType<typeof newTenant>>
let paris: Site
let lyon: Site
let spare: Site

const hook = client(undefined)

beforeAll(async () => {
  tenant = await newTenant()
  admin = tenant.client
  viewer = client(await tenant.keyFor('viewer'))
  other = await newTenant()
  paris = await createSite(admin, 'Paris DC1')
  lyon = await createSite(admin, 'Lyon DC2')
  spare = await createSite(admin, 'Spare')
})

/** An Alertmanager v4 delivery: one alert per `site` label value given (none for `undefined`). */
const amBody = (sites: (string | undefined)[]) => ({
  receiver: 'sitewire',
  status: 'firing',
  alerts: sites.map((site, n) => ({
    status: 'firing',
    labels: { alertname: 'DiskFull', instance: `db-${n}`, ...(site === undefined ? {} : { site }) },
    annotations: { summary: 'disk almost full' },
    startsAt: '2026-12-06T09:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prom.example/graph',
    fingerprint: `${crypto.randomUUID().replace(/-/g, '').slice(0, 15)}${n}`,
  })),
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://am.example',
  version: '4',
  groupKey: '{}:{alertname="DiskFull"}',
  truncatedAlerts: 0,
})

const create = async (routing: Record<string, unknown> = {}) => {
  const response = await admin('/v1/integrations', {
    method: 'POST',
    json: { name: 'central prometheus', settings: { kind: 'alertmanager' }, routing },
  })
  expect(response.status).toBe(201)
  return (await response.json()) as IntegrationWithSecret & { secret: string }
}

const deliver = (path: string, secret: string, body: unknown) =>
  hook(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'cf-connecting-ip': '192.0.2.9' },
    json: body,
  })

const alertsOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/alerts`)).json()) as Page<Alert>).items

const deliveriesOf = async (integrationId: string) =>
  ((await (await admin(`/v1/integrations/${integrationId}/deliveries`)).json()) as Page<TenantDelivery>).items

/** The deliveries a site logged from one integration, as the log holds them. */
const siteDeliveries = async (site: Site, integrationId: string) =>
  (
    (await (
      await admin(`/v1/sites/${site.id}/events?type=io.sitewire.alert.delivery_received&limit=1000`)
    ).json()) as { items: { data: AlertDeliveryReceived }[] }
  ).items
    .map((event) => event.data)
    .filter((delivery) => delivery.integration_id === integrationId)

const headOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

const tenantObject = () => env.TENANT.get(env.TENANT.idFromName(tenant.tenant_id))

describe('tenant-wide integrations', () => {
  it('are made by tenant admins, with a secret shown once and routing to sites of their own tenant only', async () => {
    await expectError(
      await viewer('/v1/integrations', {
        method: 'POST',
        json: { name: 'x', settings: { kind: 'alertmanager' } },
      }),
      403,
      'forbidden',
    )
    const foreign = await createSite(other.client, 'elsewhere')
    const refused = await expectError(
      await admin('/v1/integrations', {
        method: 'POST',
        json: {
          name: 'x',
          settings: { kind: 'alertmanager' },
          routing: { sites: { par: paris.id, far: foreign.id }, fallback_site_id: foreign.id },
        },
      }),
      422,
      'unknown_site',
    )
    expect(refused.error.details).toEqual([
      { path: 'routing.sites.far', message: `no site ${foreign.id} in this tenant` },
      { path: 'routing.fallback_site_id', message: `no site ${foreign.id} in this tenant` },
    ])
    await expectError(
      await admin('/v1/integrations', {
        method: 'POST',
        json: { name: 'x', settings: { kind: 'pagerduty' } },
      }),
      400,
      'validation_failed',
    )
    expect(((await (await admin('/v1/integrations')).json()) as Page<IntegrationWithSecret>).items).toEqual(
      [],
    )

    const made = await create({ sites: { par: paris.id } })
    expect(made).toMatchObject({
      site_id: null,
      kind: 'alertmanager',
      hook_path: `/v1/hooks/tenants/${tenant.tenant_id}/${made.id}`,
      routing: { label: 'site', sites: { par: paris.id }, fallback_site_id: null },
      secrets: 1,
    })
    expect(made.secret).toMatch(/.{20,}/)
    expect(made.setup.text).toContain(`https://sitewire.test${made.hook_path}`)
    const listed = ((await (await admin('/v1/integrations')).json()) as Page<IntegrationWithSecret>).items
    expect(listed.map((item) => item.id)).toEqual([made.id])
    expect(JSON.stringify(listed)).not.toContain(made.secret)
    await expectError(await other.client(`/v1/integrations/${made.id}`), 404, 'not_found')
    const audit = (await (await admin('/v1/audit?action=integration.create')).json()) as Page<{
      status: number
    }>
    expect(audit.items.map((entry) => entry.status).sort()).toEqual([201, 422])

    const changed = await admin(`/v1/integrations/${made.id}`, {
      method: 'PATCH',
      json: { routing: { label: 'dc', fallback_site_id: spare.id } },
    })
    expect(changed.status).toBe(200)
    expect(((await changed.json()) as IntegrationWithSecret).routing).toEqual({
      label: 'dc',
      sites: {},
      fallback_site_id: spare.id,
    })
    await expectError(
      await admin(`/v1/integrations/${made.id}`, {
        method: 'PATCH',
        json: { settings: { kind: 'grafana' } },
      }),
      422,
      'kind_changed',
    )
  })

  it('hand each alert to the site its label names (by the map, an id or a name), else the fallback, else leave it unrouted', async () => {
    const integration = await create({ sites: { par: paris.id } })
    // Names are found in the projections: wait until they show Lyon.
    await eventually(async () => {
      const sites = ((await (await admin('/v1/sites')).json()) as Page<Site>).items
      return sites.some((site) => site.id === lyon.id) || undefined
    })
    const body = amBody(['par', lyon.id, 'lyon dc2', 'nowhere', undefined])
    const response = await deliver(integration.hook_path, integration.secret, body)
    expect(response.status).toBe(200)
    const accepted = (await response.json()) as TenantHookAccepted
    expect(accepted.alerts.map((alert) => [alert.site_id, alert.outcome])).toEqual([
      [paris.id, 'fired'],
      [lyon.id, 'fired'],
      [lyon.id, 'fired'],
      [null, 'unrouted'],
      [null, 'unrouted'],
    ])
    expect(accepted.alerts.slice(0, 3).every((alert) => alert.alert_id !== null)).toBe(true)

    const parisAlerts = await alertsOf(paris)
    expect(parisAlerts.map((alert) => alert.labels.instance)).toEqual(['db-0'])
    expect(parisAlerts[0]).toMatchObject({ integration_id: integration.id, status: 'firing' })
    expect((await alertsOf(lyon)).map((alert) => alert.labels.instance).sort()).toEqual(['db-1', 'db-2'])

    // A site keeps only its own alerts of the delivery; the body, with the others', stays with the tenant.
    const [atLyon] = await siteDeliveries(lyon, integration.id)
    expect(atLyon).toMatchObject({
      delivery_id: accepted.delivery_id,
      body: null,
      headers: {},
      path: integration.hook_path,
    })
    expect(atLyon?.routed_alerts?.map((alert) => alert.labels.instance)).toEqual(['db-1', 'db-2'])
    const [kept] = await deliveriesOf(integration.id)
    expect(kept).toMatchObject({
      id: accepted.delivery_id,
      source_address: '192.0.2.9',
      alerts: accepted.alerts,
    })
    expect(JSON.parse(kept?.body ?? '')).toEqual(body)
    expect(kept?.headers.authorization).toBe('***')

    // With a fallback, what names no site goes there.
    await admin(`/v1/integrations/${integration.id}`, {
      method: 'PATCH',
      json: { routing: { sites: { par: paris.id }, fallback_site_id: spare.id } },
    })
    const fallen = (await (
      await deliver(integration.hook_path, integration.secret, amBody(['nowhere']))
    ).json()) as TenantHookAccepted
    expect(fallen.alerts).toMatchObject([{ site_id: spare.id, outcome: 'fired' }])
    expect((await alertsOf(spare)).map((alert) => alert.labels.site)).toEqual(['nowhere'])

    // Only the first delivery left alerts unrouted; an outcome no delivery holds lists none.
    const byOutcome = async (outcome: string) =>
      (
        (await (
          await admin(`/v1/integrations/${integration.id}/deliveries?outcome=${outcome}`)
        ).json()) as Page<TenantDelivery>
      ).items.map((delivery) => delivery.id)
    expect(await byOutcome('unrouted')).toEqual([accepted.delivery_id])
    expect(await byOutcome('fired')).toEqual([fallen.delivery_id, accepted.delivery_id])
    expect(await byOutcome('refused')).toEqual([])
    await expectError(
      await admin(`/v1/integrations/${integration.id}/deliveries?outcome=lost`),
      400,
      'validation_failed',
    )
  })

  it('refuse bad credentials (counted, body not kept), bad bodies, unknown ids, other tenants and oversize bodies, storing nothing', async () => {
    const integration = await create({ fallback_site_id: paris.id })
    const before = await headOf(paris)
    const wrong = await expectError(
      await deliver(integration.hook_path, 'not-the-secret', amBody(['x'])),
      401,
      'unauthorized',
    )
    expect(wrong.error.details).toEqual({ reason: expect.any(String) })
    const refusals = (await (await admin(`/v1/integrations/${integration.id}/refusals`)).json()) as {
      items: HookRefusal[]
    }
    expect(refusals.items).toMatchObject([{ source_address: '192.0.2.9', count: 1 }])
    await expectError(
      await hook(integration.hook_path, {
        method: 'POST',
        headers: { authorization: `Bearer ${integration.secret}`, 'content-type': 'application/json' },
        body: '{"alerts": [',
      }),
      400,
      'malformed_delivery',
    )
    await expectError(
      await deliver(integration.hook_path, integration.secret, { ...amBody(['x']), version: '3' }),
      400,
      'malformed_delivery',
    )
    await expectError(
      await deliver(`/v1/hooks/tenants/${tenant.tenant_id}/${spare.id}`, integration.secret, amBody(['x'])),
      404,
      'not_found',
    )
    await expectError(
      await deliver(
        `/v1/hooks/tenants/${other.tenant_id}/${integration.id}`,
        integration.secret,
        amBody(['x']),
      ),
      404,
      'not_found',
    )
    await expectError(
      await deliver(`/v1/hooks/tenants/not-a-tenant/${integration.id}`, integration.secret, amBody(['x'])),
      400,
      'validation_failed',
    )
    const oversize = await hook(integration.hook_path, {
      method: 'POST',
      headers: { authorization: `Bearer ${integration.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...amBody(['x']), padding: 'x'.repeat(1024 * 1024) }),
    })
    await expectError(oversize, 413, 'body_too_large')
    expect(await deliveriesOf(integration.id)).toEqual([])
    expect(await headOf(paris)).toBe(before)

    await admin(`/v1/integrations/${integration.id}`, { method: 'DELETE' })
    await expectError(
      await deliver(integration.hook_path, integration.secret, amBody(['x'])),
      404,
      'not_found',
    )
  })

  it('refuse a repeated delivery id; a site stores a handed-over delivery once however often it comes', async () => {
    const integration = (await (
      await admin('/v1/integrations', {
        method: 'POST',
        json: {
          name: 'github',
          settings: { kind: 'webhook', signing: 'github' },
          routing: { fallback_site_id: lyon.id },
        },
      })
    ).json()) as IntegrationWithSecret & { secret: string }
    const body = JSON.stringify({ name: 'DiskFull', labels: { host: 'db-9' } })
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(integration.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))
    const post = () =>
      hook(integration.hook_path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`,
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        },
        body,
      })
    const first = (await (await post()).json()) as TenantHookAccepted
    expect(first.alerts).toMatchObject([{ site_id: lyon.id, outcome: 'fired' }])
    const again = await expectError(await post(), 409, 'duplicate_delivery')
    expect(again.error.details).toEqual({ delivery_id: first.delivery_id })

    const [kept] = await siteDeliveries(lyon, integration.id)
    const delivery: RoutedDelivery = {
      delivery_id: first.delivery_id,
      integration_id: integration.id,
      integration_name: integration.name,
      kind: 'webhook',
      sender_delivery_id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      source_address: 'unknown',
      path: integration.hook_path,
      received_at: Date.now(),
      alerts: kept?.routed_alerts ?? [],
    }
    const head = await headOf(lyon)
    const repeat = await env.SITE.get(env.SITE.idFromName(lyon.id)).receiveRouted(delivery)
    expect(repeat.status).toBe(200)
    expect((repeat.body as TenantHookAccepted).delivery_id).toBe(first.delivery_id)
    expect(await headOf(lyon)).toBe(head)
  })

  it('hand a site its alerts again from the alarm until it takes them; an archived site refuses them for good', async () => {
    const integration = await create({ sites: { par: paris.id, old: spare.id } })
    // What the tenant keeps when a site cannot be reached: the handover pending, due now.
    const accepted = (await (
      await deliver(integration.hook_path, integration.secret, amBody(['par']))
    ).json()) as TenantHookAccepted
    const fingerprint = accepted.alerts[0]?.fingerprint as string
    const [atParis] = await siteDeliveries(paris, integration.id).then((items) =>
      items.filter((item) => item.delivery_id === accepted.delivery_id),
    )
    const retried = amBody(['par'])
    const deliveryId = '01JB0000000000000000000001'
    await runInDurableObject(tenantObject(), async (instance: TenantObject, state) => {
      const db = (await import('drizzle-orm/durable-sqlite')).drizzle(state.storage, { schema: store })
      db.insert(store.routedDeliveries)
        .values({
          id: deliveryId,
          integrationId: integration.id,
          receivedAt: new Date(),
          request: {
            source_address: 'x',
            method: 'POST',
            path: integration.hook_path,
            headers: {},
            body: '{}',
            body_base64: null,
          },
          senderDeliveryId: null,
          alerts: [
            {
              fingerprint: retried.alerts[0]?.fingerprint as string,
              site_id: paris.id,
              alert_id: null,
              outcome: 'pending',
            },
          ],
        })
        .run()
      db.insert(store.routedDeliverySites)
        .values({
          deliveryId,
          siteId: paris.id,
          delivery: {
            delivery_id: deliveryId,
            integration_id: integration.id,
            integration_name: integration.name,
            kind: 'alertmanager',
            sender_delivery_id: null,
            source_address: 'x',
            path: integration.hook_path,
            received_at: Date.now(),
            alerts: (atParis?.routed_alerts ?? []).map((alert) => ({
              ...alert,
              fingerprint: retried.alerts[0]?.fingerprint as string,
            })),
          },
          state: 'pending',
          attempts: 1,
          nextAt: new Date(Date.now() - 1000),
        })
        .run()
      await instance.alarm()
    })
    const handed = (await deliveriesOf(integration.id)).find((item) => item.id === deliveryId)
    expect(handed?.alerts).toMatchObject([
      { site_id: paris.id, outcome: 'fired', alert_id: expect.any(String) },
    ])
    expect(
      (await alertsOf(paris)).some((alert) => alert.fingerprint === retried.alerts[0]?.fingerprint),
    ).toBe(true)
    expect(fingerprint).not.toBe(retried.alerts[0]?.fingerprint)

    expect((await admin(`/v1/sites/${spare.id}/archive`, { method: 'POST' })).status).toBe(200)
    const archived = (await (
      await deliver(integration.hook_path, integration.secret, amBody(['old', 'par']))
    ).json()) as TenantHookAccepted
    expect(archived.alerts.map((alert) => [alert.site_id, alert.outcome])).toEqual([
      [spare.id, 'refused'],
      [paris.id, 'fired'],
    ])
  })
})
