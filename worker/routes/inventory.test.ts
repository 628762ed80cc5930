import { beforeAll, describe, expect, it } from 'vitest'
import type {
  Entity,
  EntityChange,
  EntityDiff,
  EntityGrant,
  EntityWritten,
  Relation,
} from '../../schema/api/inventory'
import type { Site } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import { createUser, signedIn } from '../../test/people-support'
import { type Client, client, createSite, expectError, newTenant } from '../../test/worker-support'
import { MAX_BODY_BYTES } from '../app'
import type { Page } from '../lib/paging'

let admin: Client
let tenant: Awaited<ReturnType<typeof newTenant>>

beforeAll(async () => {
  tenant = await newTenant()
  admin = tenant.client
})

const server = (
  hostname: string,
  attributes: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  kind: 'server',
  name: hostname,
  attributes: { hostname, private_ipv4: ['10.0.0.1'], ...attributes },
  ...extra,
})

const post = async <T>(call: Client, path: string, json: unknown, status = 201): Promise<T> => {
  const response = await call(path, { method: 'POST', json })
  expect(response.status, await response.clone().text()).toBe(status)
  return response.json() as Promise<T>
}

const headSeq = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

/** The site's inventory events, to show what a request stored, or that a refusal stored nothing. */
const inventoryEvents = async (site: Site) =>
  (
    (await (await admin(`/v1/sites/${site.id}/events?after=0&limit=1000`)).json()) as { items: LoggedEvent[] }
  ).items
    .filter((event) => /^io\.sitewire\.(entity|relation|custom_field|option_list)\./.test(event.type))
    .map((event) => [event.type, event.subject, event.actor])

describe('inventory entities', () => {
  it('creates, lists, gets, changes, deactivates and restores, each change an event naming its actor', async () => {
    const site = await createSite(admin, 'inventory')
    const base = `/v1/sites/${site.id}/inventory/entities`
    const web = await post<EntityWritten>(
      admin,
      base,
      server('web-1', { memory_mb: 2048, os: { base: 'linux' } }),
    )
    expect(web).toMatchObject({
      kind: 'server',
      name: 'web-1',
      site_id: site.id,
      active: true,
      version: 1,
      access: 'admin',
      warnings: [],
      attributes: { hostname: 'web-1', memory_mb: 2048, private_ipv4: ['10.0.0.1'] },
    })
    const db = await post<EntityWritten>(admin, base, {
      kind: 'database',
      name: 'orders',
      attributes: { engine: 'oracle', sid: 'ORD1', service_name: 'orders.example' },
      tags: ['prod'],
    })
    expect(db.attributes).toMatchObject({ engine: 'oracle', sid: 'ORD1' })

    const page = (await (await admin(base)).json()) as Page<Entity>
    expect(page.items.map((e) => e.name)).toEqual(['web-1', 'orders'])
    const tagged = (await (await admin(`${base}?tag=prod`)).json()) as Page<Entity>
    expect(tagged.items.map((e) => e.id)).toEqual([db.id])
    const servers = (await (await admin(`${base}?kind=server&q=WEB`)).json()) as Page<Entity>
    expect(servers.items.map((e) => e.id)).toEqual([web.id])
    const literal = (await (await admin(`${base}?q=${encodeURIComponent('web_%')}`)).json()) as Page<Entity>
    expect(literal.items).toEqual([])

    const changed = (await (
      await admin(`${base}/${web.id}`, {
        method: 'PATCH',
        json: { attributes: { memory_mb: 4096, os: null }, tags: ['edge'] },
      })
    ).json()) as EntityWritten
    expect(changed).toMatchObject({ version: 2, tags: ['edge'], attributes: { memory_mb: 4096, os: {} } })

    const gone = (await (await admin(`${base}/${web.id}`, { method: 'DELETE' })).json()) as Entity
    expect(gone).toMatchObject({ active: false, version: 3 })
    expect(((await (await admin(base)).json()) as Page<Entity>).items.map((e) => e.id)).toEqual([db.id])
    const inactive = (await (await admin(`${base}?active=false`)).json()) as Page<Entity>
    expect(inactive.items.map((e) => e.id)).toEqual([web.id])
    await expectError(await admin(`${base}/${web.id}`, { method: 'DELETE' }), 409, 'entity_inactive')
    const back = await post<Entity>(admin, `${base}/${web.id}/restore`, undefined, 200)
    expect(back).toMatchObject({ active: true, version: 4 })
    expect(await (await admin(`${base}/${web.id}`)).json()).toEqual(back)

    const actor = `key/${tenant.key_id}`
    expect(await inventoryEvents(site)).toEqual([
      ['io.sitewire.entity.created', web.id, actor],
      ['io.sitewire.entity.created', db.id, actor],
      ['io.sitewire.entity.updated', web.id, actor],
      ['io.sitewire.entity.deactivated', web.id, actor],
      ['io.sitewire.entity.restored', web.id, actor],
    ])
  })

  it('accepts a duplicate hostname or address within a team, with warnings', async () => {
    const site = await createSite(admin, 'duplicates')
    const base = `/v1/sites/${site.id}/inventory/entities`
    const first = await post<EntityWritten>(admin, base, server('db-1', { public_ipv4: ['192.0.2.7'] }))
    const second = await post<EntityWritten>(
      admin,
      base,
      server('db-1', { private_ipv4: ['10.0.0.9', '10.0.0.1'] }),
    )
    expect(second.warnings).toEqual([
      { code: 'duplicate_hostname', message: expect.stringContaining('db-1'), entity_id: first.id },
      { code: 'duplicate_ip', message: expect.stringContaining('10.0.0.1'), entity_id: first.id },
    ])
    const team = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
    const other = await post<EntityWritten>(admin, base, server('db-1', {}, { team_id: team }))
    expect(other.warnings).toEqual([])
  })

  it('reads an entity as it was at a past instant, and diffs two instants', async () => {
    const site = await createSite(admin, 'history')
    const base = `/v1/sites/${site.id}/inventory/entities`
    const app = await post<EntityWritten>(admin, base, {
      kind: 'application',
      name: 'shop',
      attributes: { language: 'go', environment: 'prod' },
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const patch = await admin(`${base}/${app.id}`, {
      method: 'PATCH',
      json: { name: 'shop-api', attributes: { language: 'rust', role: 'api' } },
    })
    expect(patch.status).toBe(200)
    const { items } = (await (await admin(`${base}/${app.id}/history`)).json()) as { items: EntityChange[] }
    expect(items.map((c) => [c.type, c.version, c.actor])).toEqual([
      ['io.sitewire.entity.created', 1, `key/${tenant.key_id}`],
      ['io.sitewire.entity.updated', 2, `key/${tenant.key_id}`],
    ])
    const [created, updated] = items as [EntityChange, EntityChange]
    const then = (await (await admin(`${base}/${app.id}/history?at=${created.time}`)).json()) as Entity
    expect(then).toMatchObject({
      name: 'shop',
      version: 1,
      attributes: { language: 'go', environment: 'prod' },
    })
    const before = new Date(Date.parse(created.time) - 1000).toISOString()
    await expectError(await admin(`${base}/${app.id}/history?at=${before}`), 404, 'not_found')

    const diff = (await (
      await admin(`${base}/${app.id}/diff?from=${created.time}&to=${updated.time}`)
    ).json()) as EntityDiff
    expect(diff.from?.name).toBe('shop')
    expect(diff.to?.name).toBe('shop-api')
    expect(diff.changes).toEqual([
      { path: 'attributes.language', before: 'go', after: 'rust' },
      { path: 'attributes.role', before: null, after: 'api' },
      { path: 'name', before: 'shop', after: 'shop-api' },
    ])
    const fromNothing = (await (
      await admin(`${base}/${app.id}/diff?from=${before}&to=${created.time}`)
    ).json()) as EntityDiff
    expect(fromNothing.from).toBeNull()
    expect(fromNothing.changes).toContainEqual({ path: 'name', before: null, after: 'shop' })
  })

  it('checks custom fields and option lists on every write, with a detail per field', async () => {
    const site = await createSite(admin, 'fields')
    const inventory = `/v1/sites/${site.id}/inventory`
    const put = (path: string, json: unknown) => admin(`${inventory}${path}`, { method: 'PUT', json })
    expect((await put('/custom-fields/server/rack', { type: 'integer', required: true })).status).toBe(200)
    expect(
      (await put('/custom-fields/server/tier', { type: 'select', choices: ['gold', 'silver'] })).status,
    ).toBe(200)
    await expectError(await put('/custom-fields/server/bad', { type: 'select' }), 400, 'validation_failed')
    const lists = (await (await put('/options/environments', { values: ['prod', 'dev'] })).json()) as Record<
      string,
      string[]
    >
    expect(lists).toEqual({ environments: ['prod', 'dev'], service_families: [], regions: [], zones: [] })
    const fields = (await (await admin(`${inventory}/custom-fields`)).json()) as { items: { name: string }[] }
    expect(fields.items.map((f) => f.name)).toEqual(['rack', 'tier'])

    const head = await headSeq(site)
    const refused = await admin(`${inventory}/entities`, {
      method: 'POST',
      json: server('web-1', { environment: 'staging' }, { custom_fields: { tier: 'bronze', colour: 'red' } }),
    })
    const body = await expectError(refused, 400, 'validation_failed')
    expect(body.error.details).toEqual([
      { path: 'custom_fields.tier', message: 'must be one of gold, silver' },
      { path: 'custom_fields.colour', message: 'server has no such custom field' },
      { path: 'custom_fields.rack', message: 'is required' },
      { path: 'attributes.environment', message: "must be one of the site's environments: prod, dev" },
    ])
    expect(await headSeq(site)).toBe(head)
    const fine = await post<EntityWritten>(
      admin,
      `${inventory}/entities`,
      server('web-1', { environment: 'prod' }, { custom_fields: { rack: 4, tier: 'gold' } }),
    )
    expect(fine.custom_fields).toEqual({ rack: 4, tier: 'gold' })
    expect((await admin(`${inventory}/custom-fields/server/tier`, { method: 'DELETE' })).status).toBe(200)
    await expectError(
      await admin(`${inventory}/custom-fields/server/tier`, { method: 'DELETE' }),
      404,
      'not_found',
    )
  })

  it('refuses bad input and unknown or foreign ids, storing nothing', async () => {
    const site = await createSite(admin, 'refusals')
    const base = `/v1/sites/${site.id}/inventory/entities`
    const entity = await post<EntityWritten>(admin, base, server('web-1'))
    const before = await inventoryEvents(site)

    await expectError(
      await admin(base, {
        method: 'POST',
        body: '{"kind":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'malformed_json',
    )
    const wrong = await expectError(
      await admin(base, {
        method: 'POST',
        json: server('web-2', { memory_mb: 'lots', private_ipv4: ['300.1.1.1'] }),
      }),
      400,
      'validation_failed',
    )
    expect((wrong.error.details as { path: string }[]).map((d) => d.path).sort()).toEqual([
      'attributes.memory_mb',
      'attributes.private_ipv4.0',
    ])
    await expectError(
      await admin(base, {
        method: 'POST',
        json: { kind: 'database', name: 'x', attributes: { engine: 'mysql', sid: 'A' } },
      }),
      400,
      'validation_failed',
    )
    await expectError(
      await admin(base, {
        method: 'POST',
        json: server('big', { instance_id: 'x'.repeat(MAX_BODY_BYTES) }),
      }),
      413,
      'body_too_large',
    )
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
    await expectError(await admin(`${base}/${unknown}`), 404, 'not_found')
    await expectError(
      await admin(`${base}/${unknown}`, { method: 'PATCH', json: { name: 'x' } }),
      404,
      'not_found',
    )
    await expectError(await admin(`${base}/${unknown}/restore`, { method: 'POST' }), 404, 'not_found')
    await expectError(await client(undefined)(base), 401, 'unauthenticated')
    await expectError(
      await client(undefined)(base, { method: 'POST', json: server('x') }),
      401,
      'unauthenticated',
    )

    const other = (await newTenant()).client
    await expectError(await other(`${base}/${entity.id}`), 404, 'not_found')
    await expectError(
      await other(`${base}/${entity.id}`, { method: 'PATCH', json: { name: 'x' } }),
      404,
      'not_found',
    )
    await expectError(await other(`${base}/${entity.id}`, { method: 'DELETE' }), 404, 'not_found')
    const theirSite = await createSite(other, 'theirs')
    await expectError(
      await other(`/v1/sites/${theirSite.id}/inventory/entities/${entity.id}`),
      404,
      'not_found',
    )

    expect(await inventoryEvents(site)).toEqual(before)
  })
})

describe('inventory relations', () => {
  it('relates kinds the type joins, refuses others, lists and removes them', async () => {
    const site = await createSite(admin, 'relations')
    const inventory = `/v1/sites/${site.id}/inventory`
    const make = (json: unknown) => post<EntityWritten>(admin, `${inventory}/entities`, json)
    const client_ = await make({ kind: 'client', name: 'ACME', attributes: {} })
    const system = await make({ kind: 'system', name: 'Shop', attributes: {} })
    const app = await make({ kind: 'application', name: 'shop-api', attributes: {} })
    const host = await make(server('web-1'))
    const relate = (type: string, from: { id: string }, to: { id: string }) =>
      admin(`${inventory}/relations`, { method: 'POST', json: { type, from_id: from.id, to_id: to.id } })

    const owned = (await (await relate('owned_by', system, client_)).json()) as Relation
    expect(owned).toMatchObject({
      type: 'owned_by',
      from_kind: 'system',
      to_kind: 'client',
      to_site_id: site.id,
    })
    expect((await relate('member_of', app, system)).status).toBe(201)
    expect((await relate('runs_on', app, host)).status).toBe(201)

    const head = await headSeq(site)
    const refused = await expectError(await relate('runs_on', host, app), 400, 'relation_not_allowed')
    expect(refused.error.details).toEqual([
      { path: 'type', message: 'runs_on does not join server to application' },
    ])
    await expectError(await relate('runs_on', app, host), 409, 'relation_exists')
    await expectError(await relate('runs_on', app, { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }), 404, 'not_found')
    await expectError(
      await relate('located_in', { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, host),
      404,
      'not_found',
    )
    expect(await headSeq(site)).toBe(head)

    const ofApp = (await (await admin(`${inventory}/relations?entity_id=${app.id}`)).json()) as Page<Relation>
    expect(ofApp.items.map((r) => r.type)).toEqual(['member_of', 'runs_on'])
    const removed = await admin(`${inventory}/relations/${owned.id}`, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    const all = (await (await admin(`${inventory}/relations`)).json()) as Page<Relation>
    expect(all.items).toHaveLength(2)
    const history = (await (await admin(`/v1/sites/${site.id}/events?after=0&limit=1000`)).json()) as {
      items: LoggedEvent[]
    }
    expect(
      history.items.filter((e) => e.type.startsWith('io.sitewire.relation.')).map((e) => [e.type, e.subject]),
    ).toEqual([
      ['io.sitewire.relation.added', system.id],
      ['io.sitewire.relation.added', app.id],
      ['io.sitewire.relation.added', app.id],
      ['io.sitewire.relation.removed', system.id],
    ])
  })
})

describe('inventory relations in a batch', () => {
  it('stores every relation in one write, or none when one fails, with a detail per failing index', async () => {
    const site = await createSite(admin, 'relation batch')
    const other = await createSite(admin, 'relation batch elsewhere')
    const inventory = `/v1/sites/${site.id}/inventory`
    const make = (json: unknown) => post<EntityWritten>(admin, `${inventory}/entities`, json)
    const system = await make({ kind: 'system', name: 'Shop', attributes: {} })
    const app = await make({ kind: 'application', name: 'shop-api', attributes: {} })
    const web = await make(server('web-1'))
    const db = await make(server('db-1'))
    const foreign = await post<EntityWritten>(
      admin,
      `/v1/sites/${other.id}/inventory/entities`,
      server('far-1'),
    )
    const batch = (relations: unknown) =>
      admin(`${inventory}/relations/batch`, { method: 'POST', json: { relations } })

    const head = await headSeq(site)
    const refused = await expectError(
      await batch([
        { type: 'runs_on', from_id: app.id, to_id: web.id },
        { type: 'runs_on', from_id: web.id, to_id: app.id },
        { type: 'runs_on', from_id: app.id, to_id: web.id },
        { type: 'runs_on', from_id: app.id, to_id: foreign.id },
      ]),
      422,
      'relations_failed',
    )
    expect(refused.error.details).toEqual([
      { path: 'relations.1', message: 'relation_not_allowed: a server cannot be runs_on a application' },
      { path: 'relations.2', message: 'relation_exists: the batch names this relation twice' },
      { path: 'relations.3', message: 'not_found: entity not found' },
    ])
    expect(await headSeq(site)).toBe(head)
    await expectError(await batch([]), 400, 'validation_failed')
    await expectError(await batch([{ type: 'runs_on', from_id: app.id }]), 400, 'validation_failed')
    await expectError(
      await batch([{ type: 'runs_on', from_id: app.id, to_id: web.id, to_site_id: other.id }]),
      400,
      'validation_failed',
    )
    const malformed = await admin(`${inventory}/relations/batch`, {
      method: 'POST',
      body: '{"relations":',
      headers: { 'content-type': 'application/json' },
    })
    await expectError(malformed, 400, 'malformed_json')
    await expectError(
      await admin(`/v1/sites/${other.id}/inventory/relations/batch`, {
        method: 'POST',
        json: { relations: [{ type: 'runs_on', from_id: app.id, to_id: web.id }] },
      }),
      422,
      'relations_failed',
    )
    expect(await headSeq(site)).toBe(head)

    const stored = await post<{ created: number; ids: string[] }>(admin, `${inventory}/relations/batch`, {
      relations: [
        { type: 'member_of', from_id: app.id, to_id: system.id },
        { type: 'runs_on', from_id: app.id, to_id: web.id },
        { type: 'runs_on', from_id: app.id, to_id: db.id },
      ],
    })
    expect(stored.created).toBe(3)
    const listed = (await (
      await admin(`${inventory}/relations?entity_id=${app.id}`)
    ).json()) as Page<Relation>
    expect(listed.items.map((r) => [r.id, r.type, r.to_id])).toEqual([
      [stored.ids[0], 'member_of', system.id],
      [stored.ids[1], 'runs_on', web.id],
      [stored.ids[2], 'runs_on', db.id],
    ])
    const events = await inventoryEvents(site)
    expect(events.filter(([type]) => type === 'io.sitewire.relation.added')).toHaveLength(3)
    await expectError(
      await batch([{ type: 'runs_on', from_id: app.id, to_id: web.id }]),
      422,
      'relations_failed',
    )

    // Another tenant's caller does not reach the site at all.
    const stranger = (await newTenant()).client
    await expectError(
      await stranger(`${inventory}/relations/batch`, {
        method: 'POST',
        json: { relations: [{ type: 'runs_on', from_id: app.id, to_id: db.id }] },
      }),
      404,
      'not_found',
    )
  })
})

describe('inventory access per entity', () => {
  it('combines site roles with grants to users and teams; lists show only what the caller may read', async () => {
    const site = await createSite(admin, 'access')
    const base = `/v1/sites/${site.id}/inventory/entities`
    const open = await post<EntityWritten>(admin, base, server('open-1'))
    const secret = await post<EntityWritten>(admin, base, server('secret-1', {}, { restricted: true }))

    const user = await createUser(admin)
    const granted = await admin('/v1/grants', {
      method: 'POST',
      json: { subject: { type: 'user', id: user.id }, role: 'viewer', site_id: site.id },
    })
    expect(granted.status).toBe(201)
    const team = (await (
      await admin('/v1/teams', { method: 'POST', json: { name: `ops-${user.id}` } })
    ).json()) as {
      id: string
    }
    expect((await admin(`/v1/teams/${team.id}/members/${user.id}`, { method: 'PUT' })).status).toBeLessThan(
      300,
    )
    const viewer = (await signedIn(user.email, user.password)).call

    const visible = async () =>
      ((await (await viewer(base)).json()) as Page<Entity>).items.map((e) => [e.id, e.access])
    expect(await visible()).toEqual([[open.id, 'read']])
    await expectError(await viewer(`${base}/${secret.id}`), 404, 'not_found')
    await expectError(await viewer(`${base}/${secret.id}/history`), 404, 'not_found')
    const head = await headSeq(site)
    await expectError(
      await viewer(`${base}/${open.id}`, { method: 'PATCH', json: { name: 'x' } }),
      403,
      'forbidden',
    )
    await expectError(
      await viewer(`${base}/${secret.id}`, { method: 'PATCH', json: { name: 'x' } }),
      404,
      'not_found',
    )
    await expectError(await viewer(`${base}/${open.id}`, { method: 'DELETE' }), 403, 'forbidden')
    await expectError(await viewer(base, { method: 'POST', json: server('mine') }), 403, 'forbidden')
    expect(await headSeq(site)).toBe(head)

    const grant = await post<EntityGrant>(admin, `${base}/${secret.id}/grants`, {
      subject: { type: 'team', id: team.id },
      level: 'write',
    })
    expect(await visible()).toEqual([
      [open.id, 'read'],
      [secret.id, 'write'],
    ])
    const renamed = await viewer(`${base}/${secret.id}`, { method: 'PATCH', json: { name: 'secret-one' } })
    expect(renamed.status).toBe(200)
    await expectError(
      await viewer(`${base}/${secret.id}`, { method: 'PATCH', json: { restricted: false } }),
      403,
      'forbidden',
    )
    await expectError(await viewer(`${base}/${secret.id}/grants`), 403, 'forbidden')
    await expectError(
      await viewer(`${base}/${secret.id}/grants`, {
        method: 'POST',
        json: { subject: { type: 'user', id: user.id }, level: 'admin' },
      }),
      403,
      'forbidden',
    )

    const mine = await post<EntityGrant>(admin, `${base}/${secret.id}/grants`, {
      subject: { type: 'user', id: user.id },
      level: 'admin',
    })
    const grants = (await (await viewer(`${base}/${secret.id}/grants`)).json()) as { items: EntityGrant[] }
    expect(grants.items.map((g) => [g.subject.type, g.level])).toEqual([
      ['team', 'write'],
      ['user', 'admin'],
    ])
    expect((await viewer(`${base}/${secret.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await viewer(`${base}/${secret.id}/grants/${mine.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await admin(`${base}/${secret.id}/grants/${grant.id}`, { method: 'DELETE' })).status).toBe(200)
    expect(await visible()).toEqual([[open.id, 'read']])
    await expectError(await viewer(`${base}/${secret.id}`), 404, 'not_found')

    const operator = client(await tenant.keyFor('operator', { site_id: site.id }))
    await expectError(await operator(`${base}/${open.id}`, { method: 'DELETE' }), 403, 'forbidden')
    expect((await operator(`${base}/${open.id}`, { method: 'PATCH', json: { tags: ['web'] } })).status).toBe(
      200,
    )
    await expectError(
      await operator(base, { method: 'POST', json: server('s', {}, { restricted: true }) }),
      403,
      'forbidden',
    )
    await expectError(
      await operator(`/v1/sites/${site.id}/inventory/options/environments`, {
        method: 'PUT',
        json: { values: ['a'] },
      }),
      403,
      'forbidden',
    )
  })
})

const CSV = { 'content-type': 'text/csv' }

describe('inventory import', () => {
  it('reports each line; stores nothing if one fails, unless asked to apply the valid ones', async () => {
    const site = await createSite(admin, 'import')
    const path = `/v1/sites/${site.id}/inventory/import?kind=server`
    const put = await admin(`/v1/sites/${site.id}/inventory/custom-fields/server/rack`, {
      method: 'PUT',
      json: { type: 'integer' },
    })
    expect(put.status).toBe(200)
    const body = [
      'name,attributes.hostname,attributes.private_ipv4,attributes.memory_mb,tags,custom_fields.rack',
      'web-1,web-1,"[""10.0.0.1""]",4096,edge;prod,3',
      'web-2,web-2,,lots,,',
      '"db, primary",db-1,,,,x',
      'web-1b,web-1,,,,',
    ].join('\r\n')
    const head = await headSeq(site)
    const refused = await expectError(
      await admin(path, { method: 'POST', body, headers: CSV }),
      422,
      'import_failed',
    )
    expect(refused.error.details).toMatchObject({
      applied: false,
      created: 0,
      failed: 2,
      lines: [
        { line: 2, status: 'valid', entity_id: null, errors: [] },
        { line: 3, status: 'invalid', errors: [{ path: 'attributes.memory_mb' }] },
        {
          line: 4,
          status: 'invalid',
          errors: [{ path: 'custom_fields.rack', message: 'must be an integer' }],
        },
        { line: 5, status: 'valid', errors: [] },
      ],
    })
    expect(await headSeq(site)).toBe(head)

    const applied = await admin(`${path}&apply=valid`, { method: 'POST', body, headers: CSV })
    expect(applied.status).toBe(201)
    const report = (await applied.json()) as {
      created: number
      lines: { line: number; status: string; entity_id: string | null }[]
    }
    expect(report.created).toBe(2)
    expect(report.lines.map((l) => l.status)).toEqual(['created', 'invalid', 'invalid', 'created'])
    const web1 = (await (
      await admin(`/v1/sites/${site.id}/inventory/entities/${report.lines[0]?.entity_id}`)
    ).json()) as Entity
    expect(web1).toMatchObject({
      name: 'web-1',
      tags: ['edge', 'prod'],
      custom_fields: { rack: 3 },
      attributes: { hostname: 'web-1', private_ipv4: ['10.0.0.1'], memory_mb: 4096 },
    })
    expect(await headSeq(site)).toBe(head + 2)

    await expectError(
      await admin(path, { method: 'POST', body: 'name,colour\r\nx,red', headers: CSV }),
      400,
      'validation_failed',
    )
    await expectError(
      await admin(path, { method: 'POST', json: { name: 'x' } }),
      415,
      'unsupported_media_type',
    )
  })
})
