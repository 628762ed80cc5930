import { beforeAll, describe, expect, it } from 'vitest'
import type { EntityWritten } from '../../schema/api/inventory'
import type { EntityReport, GroupedReport, PivotNode, PivotReport } from '../../schema/api/inventory-reports'
import type { Site } from '../../schema/api/sites'
import { hexOf, pdfStreams } from '../../test/pdf-support'
import { createUser, signedIn } from '../../test/people-support'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'

let admin: Client
let sites: { first: Site; second: Site }
const ids: Record<string, string> = {}

const make = async (site: Site, key: string, json: Record<string, unknown>) => {
  const response = await admin(`/v1/sites/${site.id}/inventory/entities`, { method: 'POST', json })
  expect(response.status, await response.clone().text()).toBe(201)
  ids[key] = ((await response.json()) as EntityWritten).id
}

const relate = async (site: Site, type: string, from: string, to: string) => {
  const response = await admin(`/v1/sites/${site.id}/inventory/relations`, {
    method: 'POST',
    json: { type, from_id: ids[from], to_id: ids[to] },
  })
  expect(response.status, await response.clone().text()).toBe(201)
}

const report = async (query: string, call: Client = admin) => {
  const response = await call(`/v1/inventory/reports/entities?${query}`)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as EntityReport
}

const names = (result: EntityReport) => result.rows.map((row) => row.name)

beforeAll(async () => {
  admin = (await newTenant()).client
  sites = { first: await createSite(admin, 'reports-1'), second: await createSite(admin, 'reports-2') }
  const { first, second } = sites
  await make(first, 'acme', { kind: 'client', name: 'ACME, "the" company', attributes: {} })
  await make(first, 'shop', { kind: 'system', name: 'Shop', attributes: {} })
  await make(first, 'api', { kind: 'application', name: 'shop-api', attributes: { environment: 'prod' } })
  const server = (hostname: string, environment: string, extra: Record<string, unknown> = {}) => ({
    kind: 'server',
    name: hostname,
    attributes: { hostname, environment },
    ...extra,
  })
  await make(first, 'web1', server('web-1', 'prod', { tags: ['edge'] }))
  await make(first, 'web2', server('web-2', 'dev'))
  await make(first, 'web3', server('web-3', 'prod'))
  await make(second, 'db1', server('db-1', 'prod', { restricted: true }))
  await relate(first, 'owned_by', 'shop', 'acme')
  await relate(first, 'member_of', 'api', 'shop')
  await relate(first, 'runs_on', 'api', 'web1')
  await relate(first, 'runs_on', 'api', 'web2')
  const gone = await admin(`/v1/sites/${first.id}/inventory/entities/${ids.web3}`, { method: 'DELETE' })
  expect(gone.status).toBe(200)
  // The projection follows the logs a moment behind, each site's in order: wait for each site's last event
  // (the second's server, the first's deactivation, which came after its relations).
  await eventually(async () => {
    const all = await report('kind=server&active=all')
    const inactive = await report('kind=server&active=false')
    return all.total === 4 && inactive.total === 1 ? all : undefined
  })
})

describe('inventory reports', () => {
  it('reports one kind with columns, filters, sort and counts', async () => {
    const servers = await report('kind=server&columns=name,attributes.environment,tags,active&sort=-name')
    expect(servers).toEqual({
      kind: 'server',
      columns: ['name', 'attributes.environment', 'tags', 'active'],
      rows: [
        { name: 'web-2', 'attributes.environment': 'dev', tags: [], active: true },
        { name: 'web-1', 'attributes.environment': 'prod', tags: ['edge'], active: true },
        { name: 'db-1', 'attributes.environment': 'prod', tags: [], active: true },
      ],
      total: 3,
    })
    expect(names(await report('kind=server&filter=attributes.environment:equals:prod'))).toEqual([
      'db-1',
      'web-1',
    ])
    expect(names(await report('kind=server&filter=name:contains:WEB'))).toEqual(['web-1', 'web-2'])
    expect(names(await report('kind=server&tag=edge'))).toEqual(['web-1'])
    expect(names(await report('kind=server&related=runs_on'))).toEqual(['web-1', 'web-2'])
    expect(names(await report('kind=server&active=false'))).toEqual(['web-3'])
    expect(names(await report(`kind=server&site_id=${sites.second.id}`))).toEqual(['db-1'])
    expect(
      names(
        await report('kind=server&filter=created_at:after:2000-01-01&filter=created_at:before:2000-01-02'),
      ),
    ).toEqual([])
    expect(names(await report('kind=server&filter=created_at:after:2000-01-01&limit=1'))).toEqual(['db-1'])
    const grouped = (await (
      await admin('/v1/inventory/reports/entities?kind=server&group_by=attributes.environment&active=all')
    ).json()) as GroupedReport
    expect(grouped.groups).toEqual([
      { value: 'prod', count: 3 },
      { value: 'dev', count: 1 },
    ])
    await expectError(
      await admin('/v1/inventory/reports/entities?kind=server&filter=name:like:x'),
      400,
      'validation_failed',
    )
    await expectError(
      await admin('/v1/inventory/reports/entities?kind=server&sort=password'),
      400,
      'validation_failed',
    )
    await expectError(await admin('/v1/inventory/reports/entities?kind=robot'), 400, 'validation_failed')
  })

  it('shows each caller only the entities it may read', async () => {
    const user = await createUser(admin)
    const grant = await admin('/v1/grants', {
      method: 'POST',
      json: { subject: { type: 'user', id: user.id }, role: 'viewer', site_id: sites.second.id },
    })
    expect(grant.status).toBe(201)
    const viewer = (await signedIn(user.email, user.password)).call
    expect((await report('kind=server', viewer)).total).toBe(0)
    const granted = await admin(`/v1/sites/${sites.second.id}/inventory/entities/${ids.db1}/grants`, {
      method: 'POST',
      json: { subject: { type: 'user', id: user.id }, level: 'read' },
    })
    expect(granted.status).toBe(201)
    await eventually(async () => ((await report('kind=server', viewer)).total === 1 ? true : undefined))
    expect(names(await report('kind=server', viewer))).toEqual(['db-1'])
    await expectError(
      await client(undefined)('/v1/inventory/reports/entities?kind=server'),
      401,
      'unauthenticated',
    )
  })

  it('pivots along a chain of relations, with filters at any level', async () => {
    const chain = 'chain=client,owned_by,system,member_of,application,runs_on,server'
    const pivot = (await (await admin(`/v1/inventory/reports/pivot?${chain}`)).json()) as PivotReport
    const shape = (node: PivotNode): unknown => [node.name, node.children.map(shape)]
    expect(pivot.counts).toEqual([1, 1, 1, 2])
    expect(pivot.roots.map(shape)).toEqual([
      [
        'ACME, "the" company',
        [
          [
            'Shop',
            [
              [
                'shop-api',
                [
                  ['web-1', []],
                  ['web-2', []],
                ],
              ],
            ],
          ],
        ],
      ],
    ])
    const prod = (await (
      await admin(`/v1/inventory/reports/pivot?${chain}&filter=3:attributes.environment:equals:dev`)
    ).json()) as PivotReport
    expect(prod.roots.map(shape)).toEqual([
      ['ACME, "the" company', [['Shop', [['shop-api', [['web-2', []]]]]]]],
    ])
    const none = (await (
      await admin(`/v1/inventory/reports/pivot?${chain}&filter=3:name:equals:nothing`)
    ).json()) as PivotReport
    expect(none).toMatchObject({ roots: [], counts: [0, 0, 0, 0] })
    await expectError(
      await admin('/v1/inventory/reports/pivot?chain=client,runs_on,server'),
      400,
      'relation_not_allowed',
    )
    await expectError(
      await admin('/v1/inventory/reports/pivot?chain=client,owned_by'),
      400,
      'validation_failed',
    )
  })

  it('exports CSV (RFC 4180) and a PDF whose text holds the rows', async () => {
    const csv = await admin('/v1/inventory/reports/entities?kind=client&columns=name,active&format=csv')
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(await csv.text()).toBe('name,active\r\n"ACME, ""the"" company",true\r\n')

    const pdf = await admin(
      '/v1/inventory/reports/entities?kind=server&columns=name,attributes.environment&format=pdf',
    )
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get('content-type')).toBe('application/pdf')
    const bytes = new Uint8Array(await pdf.arrayBuffer())
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-')
    const text = await pdfStreams(bytes)
    for (const row of ['web-1', 'web-2', 'db-1', 'prod', 'attributes.environment'])
      expect(text).toContain(`<${hexOf(row)}> Tj`)
  })

  it('relates an entity to one in another site, checked against the projection', async () => {
    const relations = `/v1/sites/${sites.first.id}/inventory/relations`
    const across = await admin(relations, {
      method: 'POST',
      json: { type: 'depends_on', from_id: ids.api, to_id: ids.db1, to_site_id: sites.second.id },
    })
    expect(across.status, await across.clone().text()).toBe(201)
    expect(await across.json()).toMatchObject({
      to_site_id: sites.second.id,
      to_kind: 'server',
      site_id: sites.first.id,
    })
    const head = ((await (await admin(`/v1/sites/${sites.first.id}/status`)).json()) as { head_seq: number })
      .head_seq
    const elsewhere = (to_id: string | undefined, to_site_id: string) =>
      admin(relations, { method: 'POST', json: { type: 'depends_on', from_id: ids.api, to_id, to_site_id } })
    await expectError(await elsewhere(ids.web1, sites.second.id), 404, 'not_found')
    await expectError(await elsewhere(ids.acme, sites.second.id), 404, 'not_found')
    const after = ((await (await admin(`/v1/sites/${sites.first.id}/status`)).json()) as { head_seq: number })
      .head_seq
    expect(after).toBe(head)
  })

  it('rebuilds the projection from the logs to the same report', async () => {
    const before = await report(
      'kind=server&active=all&columns=id,name,site_id,active,attributes.environment,tags',
    )
    const rebuilt = await admin('/v1/admin/projections/rebuild', { method: 'POST' })
    expect(rebuilt.status).toBeLessThan(300)
    await eventually(async () => {
      const after = await report(
        'kind=server&active=all&columns=id,name,site_id,active,attributes.environment,tags',
      )
      return JSON.stringify(after) === JSON.stringify(before) ? after : undefined
    })
  })
})
