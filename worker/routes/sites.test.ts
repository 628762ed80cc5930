import { beforeAll, describe, expect, it } from 'vitest'
import type { Site, SiteStatus } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'

let admin: Client
let viewer: Client
let tenantId: string

beforeAll(async () => {
  const tenant = await newTenant()
  admin = tenant.client
  viewer = client(await tenant.keyFor('viewer'))
  tenantId = tenant.tenant_id
})

const logOf = async (siteId: string, call = admin): Promise<LoggedEvent[]> =>
  ((await (await call(`/v1/sites/${siteId}/events?limit=1000`)).json()) as { items: LoggedEvent[] }).items

describe('sites', () => {
  it('creates a site with defaults and records site.created in its log', async () => {
    const response = await admin('/v1/sites', {
      method: 'POST',
      json: { name: '  Paris DC1 ', labels: { region: 'eu-west' }, timezone: 'Europe/Paris' },
    })
    expect(response.status).toBe(201)
    const site = (await response.json()) as Site
    expect(site).toMatchObject({
      name: 'Paris DC1',
      description: '',
      labels: { region: 'eu-west' },
      timezone: 'Europe/Paris',
      status: 'active',
      tenant_id: tenantId,
      archived_at: null,
    })
    expect(site.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
    const [created, ...rest] = await logOf(site.id)
    expect(rest).toEqual([])
    expect(created).toMatchObject({
      specversion: '1.0',
      seq: 1,
      type: 'io.sitewire.site.created',
      source: `/sites/${site.id}`,
      subject: site.id,
      data: { site_id: site.id, tenant_id: tenantId, name: 'Paris DC1', timezone: 'Europe/Paris' },
    })
    expect(created?.actor).toMatch(/^key\//)
    expect(await (await admin(`/v1/sites/${site.id}`)).json()).toEqual(site)
  })

  it('changes, archives and restores a site, one event each, and refuses writes while archived', async () => {
    const site = await createSite(admin)
    const patched = await admin(`/v1/sites/${site.id}`, {
      method: 'PATCH',
      json: { description: 'main room' },
    })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ description: 'main room', name: site.name })

    const unchanged = await admin(`/v1/sites/${site.id}`, {
      method: 'PATCH',
      json: { description: 'main room' },
    })
    expect(unchanged.status).toBe(200)

    const archived = await admin(`/v1/sites/${site.id}/archive`, {
      method: 'POST',
      json: { reason: 'moved' },
    })
    expect(await archived.json()).toMatchObject({ status: 'archived' })
    await expectError(
      await admin(`/v1/sites/${site.id}`, { method: 'PATCH', json: { name: 'x' } }),
      409,
      'site_archived',
    )
    const restored = await admin(`/v1/sites/${site.id}/restore`, { method: 'POST' })
    expect(await restored.json()).toMatchObject({ status: 'active', archived_at: null })

    expect((await logOf(site.id)).map((e) => [e.seq, e.type, e.data])).toEqual([
      [1, 'io.sitewire.site.created', expect.anything()],
      [2, 'io.sitewire.site.updated', { description: 'main room' }],
      [3, 'io.sitewire.site.archived', { reason: 'moved' }],
      [4, 'io.sitewire.site.restored', {}],
    ])
  })

  it('lists sites from the projection with filters and a cursor', async () => {
    const tenant = await newTenant()
    const call = tenant.client
    const a = await createSite(call, 'a')
    const b = await createSite(call, 'b')
    await call(`/v1/sites/${b.id}`, { method: 'PATCH', json: { labels: { tier: 'gold' } } })
    const c = await createSite(call, 'c')
    await call(`/v1/sites/${c.id}/archive`, { method: 'POST' })

    const all = await eventually(async () => {
      const page = (await (await call('/v1/sites?limit=10')).json()) as { items: Site[] }
      const cSite = page.items.find((s) => s.id === c.id)
      return page.items.length === 3 && cSite?.status === 'archived' ? page : undefined
    })
    expect(all.items.map((s) => s.name)).toEqual(['a', 'b', 'c'])

    const first = (await (await call('/v1/sites?limit=2')).json()) as { items: Site[]; next_cursor: string }
    expect(first.items.map((s) => s.id)).toEqual([a.id, b.id])
    const second = (await (await call(`/v1/sites?limit=2&cursor=${first.next_cursor}`)).json()) as {
      items: Site[]
      next_cursor: string | null
    }
    expect(second).toMatchObject({ items: [{ id: c.id }], next_cursor: null })

    const gold = await eventually(async () => {
      const page = (await (await call('/v1/sites?label=tier=gold')).json()) as { items: Site[] }
      return page.items.length === 1 ? page : undefined
    })
    expect(gold.items[0]?.id).toBe(b.id)
    const archived = (await (await call('/v1/sites?status=archived')).json()) as { items: Site[] }
    expect(archived.items.map((s) => s.id)).toEqual([c.id])
  })

  it('replays the first answer for a repeated Idempotency-Key and refuses it for another request', async () => {
    const tenant = await newTenant()
    const send = (name: string) =>
      tenant.client('/v1/sites', {
        method: 'POST',
        json: { name },
        headers: { 'idempotency-key': 'create-1' },
      })
    const first = await send('Lyon')
    const again = await send('Lyon')
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    const site = (await first.json()) as Site
    expect(await again.json()).toEqual(site)
    await expectError(await send('Nantes'), 422, 'idempotency_key_reused')
    expect((await logOf(site.id, tenant.client)).map((e) => e.type)).toEqual(['io.sitewire.site.created'])
    expect(await tenant.object.rebuildProjections()).toEqual({ sites: 1, failed: [] })
  })

  it('reports where the log and its projection stand', async () => {
    const site = await createSite(admin)
    const status = await eventually(async () => {
      const body = (await (await admin(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
      return body.projected_seq === 1 ? body : undefined
    })
    expect(status).toMatchObject({
      site_id: site.id,
      head_seq: 1,
      lag: 0,
      projector: { state: 'idle', failures: 0 },
    })
  })
})

describe('refused site requests leave everything as it was', () => {
  let site: Site
  beforeAll(async () => {
    site = await createSite(admin, 'guarded')
  })

  const unchanged = async () => {
    expect(await (await admin(`/v1/sites/${site.id}`)).json()).toEqual(site)
    expect((await logOf(site.id)).length).toBe(1)
  }

  it.each([
    [
      'malformed JSON',
      { body: '{"name":', headers: { 'content-type': 'application/json' } },
      400,
      'malformed_json',
    ],
    [
      'a non-JSON content type',
      { body: 'name=x', headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type',
    ],
    ['a wrong type', { json: { name: 42 } }, 400, 'validation_failed'],
    ['an unknown field', { json: { colour: 'red' } }, 400, 'validation_failed'],
    ['an empty change', { json: {} }, 400, 'validation_failed'],
    ['a bad time zone', { json: { timezone: 'Mars/Olympus' } }, 400, 'validation_failed'],
    ['a bad label key', { json: { labels: { 'Bad Key': 'x' } } }, 400, 'validation_failed'],
  ])('PATCH with %s', async (_what, init, status, code) => {
    await expectError(await admin(`/v1/sites/${site.id}`, { method: 'PATCH', ...init }), status, code)
    await unchanged()
  })

  it('names the failing field in details', async () => {
    const body = await expectError(
      await admin(`/v1/sites/${site.id}`, { method: 'PATCH', json: { name: 42 } }),
      400,
      'validation_failed',
    )
    expect(body.error.details).toEqual([{ path: 'name', message: expect.any(String) }])
  })

  it('refuses a body over the size limit with 413', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024)
    await expectError(
      await admin('/v1/sites', {
        method: 'POST',
        body: JSON.stringify({ name: big }),
        headers: { 'content-type': 'application/json' },
      }),
      413,
      'body_too_large',
    )
    await unchanged()
  })

  it('answers 401 without a key or with a wrong one', async () => {
    await expectError(await client(undefined)(`/v1/sites/${site.id}`), 401, 'unauthenticated')
    await expectError(
      await client(`sw_${'A'.repeat(43)}`)(`/v1/sites/${site.id}`),
      401,
      'invalid_credentials',
    )
    await expectError(
      await client('not-a-key')('/v1/sites', { method: 'POST', json: { name: 'x' } }),
      401,
      'invalid_credentials',
    )
    await unchanged()
  })

  it('answers 403 when the role is too weak, and lets it read', async () => {
    await expectError(
      await viewer(`/v1/sites/${site.id}`, { method: 'PATCH', json: { name: 'x' } }),
      403,
      'forbidden',
    )
    await expectError(await viewer('/v1/sites', { method: 'POST', json: { name: 'x' } }), 403, 'forbidden')
    expect((await viewer(`/v1/sites/${site.id}`)).status).toBe(200)
    await unchanged()
  })

  it("answers 404 for an unknown site and for another tenant's site", async () => {
    const other = await newTenant()
    for (const call of [
      () => other.client(`/v1/sites/${site.id}`),
      () => admin('/v1/sites/01ARZ3NDEKTSV4RRFFQ69G5FAV'),
    ]) {
      await expectError(await call(), 404, 'not_found')
    }
    await expectError(
      await other.client(`/v1/sites/${site.id}`, { method: 'PATCH', json: { name: 'stolen' } }),
      404,
      'not_found',
    )
    await expectError(
      await other.client(`/v1/sites/${site.id}/archive`, { method: 'POST' }),
      404,
      'not_found',
    )
    await expectError(await other.client(`/v1/sites/${site.id}/events`), 404, 'not_found')
    await unchanged()
  })

  it('answers 400 for a malformed site id and 404 for an unknown route', async () => {
    await expectError(await admin('/v1/sites/not-an-id'), 400, 'validation_failed')
    await expectError(await admin('/v1/nothing-here'), 404, 'not_found')
  })
})
