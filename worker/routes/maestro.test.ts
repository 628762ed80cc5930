import { beforeAll, describe, expect, it } from 'vitest'
import type { Site } from '../../schema/api/sites'
import { type Client, client, createSite, newTenant } from '../../test/worker-support'

const BASE = '/api/maestro/v1'

/** The Deployment of maestro's own README example. */
const nginx = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ image: 'nginxinc/nginx-unprivileged', name: 'nginx' }] },
    },
  },
}

const maestroError = async (response: Response, status: number) => {
  expect(response.status).toBe(status)
  const body = (await response.json()) as Record<string, unknown>
  expect(body).toMatchObject({
    kind: 'Error',
    id: String(status),
    href: `/api/maestro/errors/${status}`,
    code: `API-${status}`,
    reason: expect.any(String),
  })
  return body
}

let tenant: Awaited<ReturnType<typeof newTenant>>
let site: Site
/** A key restricted to the site: maestro calls need no header. */
let maestro: Client

beforeAll(async () => {
  tenant = await newTenant()
  site = await createSite(tenant.client, 'maestro')
  maestro = client(await tenant.keyFor('operator', { site_id: site.id }))
})

describe('the maestro-compatible API', () => {
  it('answers 401 in maestro’s shape without credentials', async () => {
    const body = await maestroError(await client(undefined)(`${BASE}/resources`), 401)
    expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['code', 'href', 'id', 'kind', 'reason']))
  })

  it('replays the README: a consumer, a resource, the list, a change, a stale change, a delete', async () => {
    const empty = await maestro(`${BASE}/resources`)
    expect(await empty.json()).toEqual({ kind: 'ResourceList', page: 1, size: 0, total: 0, items: [] })

    const consumer = await maestro(`${BASE}/consumers`, { method: 'POST', json: { name: 'cluster1' } })
    expect(consumer.status).toBe(201)
    expect(await consumer.json()).toMatchObject({ kind: 'Consumer', name: 'cluster1', labels: {} })

    const created = await maestro(`${BASE}/resources`, {
      method: 'POST',
      json: {
        consumer_name: 'cluster1',
        version: 1,
        manifest: nginx,
        group_resource: { group: 'apps', resource: 'deployments' },
        update_strategy: { type: 'ServerSideApply' },
        delete_option: { propagationPolicy: 'Foreground' },
      },
    })
    expect(created.status).toBe(201)
    const resource = (await created.json()) as { id: string; href: string }
    expect(resource).toMatchObject({
      kind: 'Resource',
      href: `${BASE}/resources/${resource.id}`,
      consumer_name: 'cluster1',
      version: 1,
      manifest: nginx,
      update_strategy: { type: 'ServerSideApply' },
      delete_option: { propagationPolicy: 'Foreground' },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    })

    const listed = (await (await maestro(`${BASE}/resources?search=consumer_name = 'cluster1'`)).json()) as {
      items: unknown[]
    }
    expect(listed).toMatchObject({ kind: 'ResourceList', page: 1, size: 1, total: 1 })
    expect(listed.items).toEqual([resource])
    expect(
      await (
        await maestro(`${BASE}/resources?search=${encodeURIComponent("consumer_name = 'other'")}`)
      ).json(),
    ).toMatchObject({ size: 0, total: 0 })
    expect(await (await maestro(`${BASE}/resources?page=2&size=1`)).json()).toMatchObject({
      page: 2,
      size: 0,
      total: 1,
    })
    await maestroError(await maestro(`${BASE}/resources?search=version > 1`), 400)

    const path = `${BASE}/resources/${resource.id}`
    expect(await (await maestro(path)).json()).toEqual(resource)
    const scaled = { ...nginx, spec: { ...nginx.spec, replicas: 2 } }
    const patched = await maestro(path, { method: 'PATCH', json: { version: 1, manifest: scaled } })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ version: 2, manifest: scaled })
    expect(
      (
        await maestroError(
          await maestro(path, { method: 'PATCH', json: { version: 1, manifest: nginx } }),
          409,
        )
      ).reason,
    ).toMatch(/current_version.*2/)

    // The consumer holds a resource: it stays.
    const consumers = (await (await maestro(`${BASE}/consumers`)).json()) as { items: { id: string }[] }
    await maestroError(
      await maestro(`${BASE}/consumers/${consumers.items[0]?.id}`, { method: 'DELETE' }),
      409,
    )

    expect((await maestro(path, { method: 'DELETE' })).status).toBe(204)
    await maestroError(await maestro(path), 404)
  })

  it('keeps resource bundles with their manifest configs', async () => {
    await maestro(`${BASE}/consumers`, { method: 'POST', json: { name: 'cluster2' } })
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default' } }
    const created = await maestro(`${BASE}/resource-bundles`, {
      method: 'POST',
      json: {
        consumer_name: 'cluster2',
        manifests: [configMap, { ...nginx, metadata: { name: 'web', namespace: 'default' } }],
        manifest_configs: [
          {
            resourceIdentifier: { group: 'apps', name: 'web', namespace: 'default', resource: 'deployments' },
            feedbackRules: [{ type: 'JSONPaths', jsonPaths: [{ name: 'status', path: '.status' }] }],
            updateStrategy: { type: 'ServerSideApply' },
          },
        ],
      },
    })
    expect(created.status).toBe(201)
    const bundle = (await created.json()) as { id: string }
    expect(bundle).toMatchObject({
      kind: 'ResourceBundle',
      href: `${BASE}/resource-bundles/${bundle.id}`,
      consumer_name: 'cluster2',
      version: 1,
      delete_option: { propagationPolicy: 'Foreground' },
      manifest_configs: [
        {
          resourceIdentifier: { name: 'web' },
          updateStrategy: { type: 'ServerSideApply' },
          feedbackRules: [{ type: 'JSONPaths', jsonPaths: [{ name: 'status', path: '.status' }] }],
        },
        {
          resourceIdentifier: { name: 'web' },
          updateStrategy: { type: 'ServerSideApply' },
          feedbackRules: [],
        },
      ],
    })
    expect(await (await maestro(`${BASE}/resource-bundles`)).json()).toMatchObject({
      kind: 'ResourceBundleList',
      total: 1,
    })
    expect((await maestro(`${BASE}/resource-bundles/${bundle.id}`, { method: 'DELETE' })).status).toBe(204)
  })

  it('chooses the site by key, by header, or asks for it', async () => {
    const admin = tenant.client
    await maestroError(await admin(`${BASE}/consumers`), 400)
    const byHeader = await admin(`${BASE}/consumers`, { headers: { 'x-sitewire-site': site.id } })
    expect(byHeader.status).toBe(200)
    expect(await byHeader.json()).toMatchObject({ kind: 'ConsumerList' })
    const other = await newTenant()
    await maestroError(
      await other.client(`${BASE}/consumers`, { headers: { 'x-sitewire-site': site.id } }),
      404,
    )
    const viewer = client(await tenant.keyFor('viewer', { site_id: site.id }))
    expect((await viewer(`${BASE}/resources`)).status).toBe(200)
    await maestroError(await viewer(`${BASE}/consumers`, { method: 'POST', json: { name: 'nope' } }), 403)
    await maestroError(
      await maestro(`${BASE}/resources`, {
        method: 'POST',
        json: { consumer_name: 'ghost', manifest: nginx },
      }),
      422,
    )
    await maestroError(
      await maestro(`${BASE}/resources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      }),
      400,
    )
  })
})
