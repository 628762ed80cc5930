import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ServerMessage } from '../../schema/agent/protocol'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Consumer, Resource, ResourceBundle, StatusHistoryEntry } from '../../schema/api/resources'
import type { Site, SiteStatus } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import { connectAgent } from '../../test/worker-runs'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'
import type { Page } from '../lib/paging'
import { openProjections } from '../projections/database'

let admin: Client

beforeAll(async () => {
  admin = (await newTenant()).client
})

type Resources = Extract<ServerMessage, { type: 'resources' }>

const motd = (content = 'hello\n') => ({ kind: 'File', path: '/etc/motd', content })

const json = async <T>(response: Response, status: number): Promise<T> => {
  expect(response.status).toBe(status)
  return (await response.json()) as T
}

/** The site's stored events of resources and consumers: a refusal must leave them as they were. */
const storedEvents = async (call: Client, site: Site) =>
  ((await (await call(`/v1/sites/${site.id}/events?limit=1000`)).json()) as { items: LoggedEvent[] }).items
    .filter((event) => /^io\.sitewire\.(resource|consumer)\./.test(event.type))
    .map((event) => event.id)

const siteWithConsumer = async () => {
  const site = await createSite(admin, 'resources')
  const consumer = await json<Consumer>(
    await admin(`/v1/sites/${site.id}/consumers`, {
      method: 'POST',
      json: { name: 'web', selector: { role: 'web' } },
    }),
    201,
  )
  const create = (body: Record<string, unknown> = {}) =>
    admin(`/v1/sites/${site.id}/resources`, {
      method: 'POST',
      json: { consumer_id: consumer.id, manifest: motd(), update_strategy: 'Update', ...body },
    })
  return { site, consumer, create }
}

describe('resources', () => {
  it('are created, listed, read, changed version by version and deleted', async () => {
    const { site, consumer, create } = await siteWithConsumer()
    const resource = await json<Resource>(await create({ name: 'motd', labels: { tier: 'front' } }), 201)
    expect(resource).toMatchObject({
      site_id: site.id,
      consumer_id: consumer.id,
      consumer_name: 'web',
      name: 'motd',
      version: 1,
      manifest: { kind: 'File', path: '/etc/motd', content: 'hello\n', mode: '0644' },
      update_strategy: 'Update',
      delete_option: 'Foreground',
      feedback_rules: [],
      labels: { tier: 'front' },
      deleting: false,
      status: [],
    })
    const list = await json<Page<Resource>>(await admin(`/v1/sites/${site.id}/resources`), 200)
    expect(list.items.map((r) => r.id)).toEqual([resource.id])
    expect(await json<Resource>(await admin(`/v1/sites/${site.id}/resources/${resource.id}`), 200)).toEqual(
      resource,
    )

    const path = `/v1/sites/${site.id}/resources/${resource.id}`
    const changed = await json<Resource>(
      await admin(path, { method: 'PATCH', json: { version: 1, manifest: motd('bye\n') } }),
      200,
    )
    expect(changed).toMatchObject({ version: 2, manifest: { content: 'bye\n' }, update_strategy: 'Update' })

    const before = await storedEvents(admin, site)
    const stale = await expectError(
      await admin(path, { method: 'PATCH', json: { version: 1, manifest: motd('again\n') } }),
      409,
      'version_conflict',
    )
    expect(stale.error.details).toEqual({ current_version: 2 })
    expect(await storedEvents(admin, site)).toEqual(before)

    // Nobody applied it yet: deleting it takes effect at once.
    expect(await json<Resource>(await admin(path, { method: 'DELETE' }), 200)).toMatchObject({
      deleting: true,
    })
    await expectError(await admin(path), 404, 'not_found')
    expect((await json<Page<Resource>>(await admin(`/v1/sites/${site.id}/resources`), 200)).items).toEqual([])
  })

  it('refuse bad input, unknown ids and other tenants, and store nothing for it', async () => {
    const { site, consumer, create } = await siteWithConsumer()
    const resource = await json<Resource>(await create(), 201)
    const before = await storedEvents(admin, site)

    await expectError(
      await admin(`/v1/sites/${site.id}/resources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"consumer_id":',
      }),
      400,
      'malformed_json',
    )
    const wrong = await expectError(
      await create({
        update_strategy: 'Sometimes',
        manifest: { kind: 'File', path: 'relative', content: 1 },
      }),
      400,
      'validation_failed',
    )
    expect((wrong.error.details as { path: string }[]).map((d) => d.path)).toEqual(
      expect.arrayContaining(['update_strategy', 'manifest.path', 'manifest.content']),
    )
    const bothSources = await expectError(
      await create({
        manifest: { kind: 'File', path: '/etc/x', content: 'x', file_id: '01J00000000000000000000000' },
      }),
      400,
      'validation_failed',
    )
    expect(bothSources.error.details).toEqual([
      expect.objectContaining({ message: 'give exactly one of content and file_id' }),
    ])
    // A check probes one thing; a process's health check likewise, and only over http(s).
    const twoProbes = await expectError(
      await create({
        manifest: { kind: 'Check', name: 'web', command: ['true'], http: { url: 'http://127.0.0.1/' } },
      }),
      400,
      'validation_failed',
    )
    expect(twoProbes.error.details).toEqual([
      expect.objectContaining({ message: 'give exactly one of command, http and file' }),
    ])
    const badHealth = await expectError(
      await create({
        manifest: { kind: 'Process', name: 'web', command: ['web'], health: { http: { url: 'ftp://x/' } } },
      }),
      400,
      'validation_failed',
    )
    expect((badHealth.error.details as { path: string }[]).map((d) => d.path)).toContain(
      'manifest.health.http.url',
    )
    await expectError(await create({ manifest: motd('x'.repeat(4 * 1024 * 1024)) }), 413, 'body_too_large')
    await expectError(await create({ consumer_id: '01J00000000000000000000000' }), 422, 'unknown_consumer')
    await expectError(
      await admin(`/v1/sites/${site.id}/resources/01J00000000000000000000000`),
      404,
      'not_found',
    )
    await expectError(
      await admin(`/v1/sites/${site.id}/resources/01J00000000000000000000000`, {
        method: 'PATCH',
        json: { version: 1 },
      }),
      404,
      'not_found',
    )
    // A resource is no bundle.
    await expectError(await admin(`/v1/sites/${site.id}/resource-bundles/${resource.id}`), 404, 'not_found')
    const other = (await newTenant()).client
    await expectError(await other(`/v1/sites/${site.id}/resources/${resource.id}`), 404, 'not_found')
    await expectError(
      await other(`/v1/sites/${site.id}/resources/${resource.id}`, { method: 'DELETE' }),
      404,
      'not_found',
    )
    await expectError(await client(undefined)(`/v1/sites/${site.id}/resources`), 401, 'unauthenticated')
    const deleteConsumer = await expectError(
      await admin(`/v1/sites/${site.id}/consumers/${consumer.id}`, { method: 'DELETE' }),
      409,
      'consumer_in_use',
    )
    expect(deleteConsumer.error.details).toEqual({
      resources: [{ id: resource.id, type: 'single', name: resource.id }],
    })
    await expectError(
      await admin(`/v1/sites/${site.id}/consumers`, { method: 'POST', json: { name: 'web' } }),
      409,
      'consumer_exists',
    )
    expect(await storedEvents(admin, site)).toEqual(before)
  })

  it('let viewers read and operators write', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client, 'roles')
    const viewer = client(await tenant.keyFor('viewer'))
    const operator = client(await tenant.keyFor('operator'))
    await expectError(
      await viewer(`/v1/sites/${site.id}/consumers`, { method: 'POST', json: { name: 'web' } }),
      403,
      'forbidden',
    )
    expect(
      (await operator(`/v1/sites/${site.id}/consumers`, { method: 'POST', json: { name: 'web' } })).status,
    ).toBe(201)
    expect(
      (await json<Page<Consumer>>(await viewer(`/v1/sites/${site.id}/consumers`), 200)).items,
    ).toHaveLength(1)
  })

  it('carry the site’s applier command to its agents; only an admin sets it', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client, 'applier')
    const token = await json<CreatedEnrolmentToken & { token: string }>(
      await tenant.client(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} }),
      201,
    )
    const agent = await connectAgent(site, token.token)
    const path = `/v1/sites/${site.id}/resource-settings`
    expect(await json(await tenant.client(path), 200)).toEqual({ applier: null })
    const operator = client(await tenant.keyFor('operator'))
    const applier = ['kubectl', 'apply', '--server-side', '-f', '-']
    await expectError(await operator(path, { method: 'PUT', json: { applier } }), 403, 'forbidden')
    await expectError(
      await tenant.client(path, { method: 'PUT', json: { applier: 'kubectl' } }),
      400,
      'validation_failed',
    )
    expect(await json(await tenant.client(path, { method: 'PUT', json: { applier } }), 200)).toEqual({
      applier,
    })
    await eventually(async () =>
      agent.conn.messages.some(
        (m) => typeof m !== 'string' && m.type === 'resources' && m.applier?.[0] === 'kubectl',
      )
        ? true
        : undefined,
    )
  })

  it('check the host kinds Package and SystemdUnit field by field', async () => {
    const { site, consumer } = await siteWithConsumer()
    const bundle = await json<ResourceBundle>(
      await admin(`/v1/sites/${site.id}/resource-bundles`, {
        method: 'POST',
        json: {
          consumer_id: consumer.id,
          name: 'web-host',
          manifests: [
            { kind: 'Package', name: 'nginx' },
            {
              kind: 'SystemdUnit',
              name: 'web.service',
              content: '[Service]\nExecStart=/usr/bin/web\n',
              active: true,
            },
          ],
        },
      }),
      201,
    )
    expect(bundle.manifests).toEqual([
      { kind: 'Package', name: 'nginx', version: 'latest' },
      {
        kind: 'SystemdUnit',
        name: 'web.service',
        content: '[Service]\nExecStart=/usr/bin/web\n',
        active: true,
      },
    ])
    const wrong = await expectError(
      await admin(`/v1/sites/${site.id}/resource-bundles`, {
        method: 'POST',
        json: {
          consumer_id: consumer.id,
          name: 'bad-host',
          manifests: [
            { kind: 'Package', name: 'nginx; reboot', manager: 'yum' },
            { kind: 'SystemdUnit', name: '../web', enabled: 'yes' },
          ],
        },
      }),
      400,
      'validation_failed',
    )
    expect((wrong.error.details as { path: string }[]).map((d) => d.path)).toEqual(
      expect.arrayContaining([
        'manifests.0.name',
        'manifests.0.manager',
        'manifests.1.name',
        'manifests.1.enabled',
      ]),
    )
  })

  it('bundle several manifests with their configs', async () => {
    const { site, consumer } = await siteWithConsumer()
    const bundle = await json<ResourceBundle>(
      await admin(`/v1/sites/${site.id}/resource-bundles`, {
        method: 'POST',
        json: {
          consumer_id: consumer.id,
          name: 'web',
          manifests: [{ kind: 'Directory', path: '/srv/web' }, motd()],
          manifest_configs: [{ update_strategy: 'CreateOnly' }],
        },
      }),
      201,
    )
    expect(bundle).toMatchObject({
      version: 1,
      manifests: [{ kind: 'Directory', path: '/srv/web', mode: '0755' }, { kind: 'File' }],
      manifest_configs: [
        { update_strategy: 'CreateOnly', feedback_rules: [] },
        { update_strategy: 'ServerSideApply', feedback_rules: [] },
      ],
    })
    const path = `/v1/sites/${site.id}/resource-bundles/${bundle.id}`
    expect(
      await json<ResourceBundle>(
        await admin(path, { method: 'PATCH', json: { version: 1, delete_option: 'Orphan' } }),
        200,
      ),
    ).toMatchObject({ version: 2, delete_option: 'Orphan' })
    expect(
      (await json<Page<ResourceBundle>>(await admin(`/v1/sites/${site.id}/resource-bundles`), 200)).items,
    ).toHaveLength(1)
    expect(
      (await json<Page<Resource>>(await admin(`/v1/sites/${site.id}/resources`), 200)).items,
    ).toHaveLength(0)
  })

  it('bundles come back with each manifest’s status, natively and in maestro’s ManifestWork shape', async () => {
    const { site, consumer } = await siteWithConsumer()
    const token = await json<CreatedEnrolmentToken & { token: string }>(
      await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} }),
      201,
    )
    const web = await connectAgent(site, token.token, { role: 'web' })
    const bundle = await json<ResourceBundle>(
      await admin(`/v1/sites/${site.id}/resource-bundles`, {
        method: 'POST',
        json: {
          consumer_id: consumer.id,
          manifests: [motd(), { kind: 'Directory', path: '/srv/web' }],
        },
      }),
      201,
    )
    const condition = (status: 'True' | 'False', message: string) => ({
      type: 'Applied',
      status,
      reason: status === 'True' ? 'Applied' : 'ApplyFailed',
      message,
      last_transition_time: '2026-12-06T10:00:00.000Z',
    })
    const manifests = [
      {
        identity: 'File//etc/motd',
        conditions: [condition('True', 'created')],
        feedback: { sha256: 'abc', size: 12 },
      },
      { identity: 'Directory//srv/web', conditions: [condition('False', 'EACCES')], feedback: {} },
    ]
    await web.send(
      web.frame('io.sitewire.resource.status_reported', {
        resource_id: bundle.id,
        report: 1,
        observed_version: 0,
        conditions: [condition('False', 'EACCES')],
        feedback: { sha256: 'abc' },
        manifests,
      }),
    )
    const path = `/v1/sites/${site.id}/resource-bundles/${bundle.id}`
    const read = await json<ResourceBundle>(await admin(path), 200)
    expect(read.status[0]?.manifests).toEqual(manifests)
    const history = await json<Page<StatusHistoryEntry>>(await admin(`${path}/status-history`), 200)
    expect(history.items[0]?.manifests).toEqual(manifests)

    const maestro = (await (
      await admin(`/api/maestro/v1/resource-bundles/${bundle.id}`, {
        headers: { 'x-sitewire-site': site.id },
      })
    ).json()) as { status: { resourceStatus: { manifests: unknown[] } } }
    expect(maestro.status.resourceStatus.manifests).toEqual([
      {
        resourceMeta: { ordinal: 0, kind: 'File', name: '/etc/motd' },
        statusFeedback: {
          values: [
            { name: 'sha256', fieldValue: { type: 'String', string: 'abc' } },
            { name: 'size', fieldValue: { type: 'Integer', integer: 12 } },
          ],
        },
        conditions: [expect.objectContaining({ type: 'Applied', status: 'True', message: 'created' })],
      },
      {
        resourceMeta: { ordinal: 1, kind: 'Directory', name: '/srv/web' },
        statusFeedback: { values: [] },
        conditions: [expect.objectContaining({ type: 'Applied', status: 'False', reason: 'ApplyFailed' })],
      },
    ])
    web.conn.socket.close()
  })

  it('go to the consumer’s agents, come back with status, and are removed by them on delete', async () => {
    const { site, consumer, create } = await siteWithConsumer()
    const token = await json<CreatedEnrolmentToken & { token: string }>(
      await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: 2 } }),
      201,
    )
    const web = await connectAgent(site, token.token, { role: 'web' })
    const db = await connectAgent(site, token.token, { role: 'db' })
    const resource = await json<Resource>(await create(), 201)
    const desired = (agent: typeof web) =>
      agent.conn.messages.filter((m): m is Resources => typeof m !== 'string' && m.type === 'resources')
    const sent = await eventually(async () => desired(web).at(-1))
    expect(sent.resources).toEqual([
      {
        resource_id: resource.id,
        version: 1,
        deleting: false,
        spec: expect.objectContaining({ type: 'single' }),
      },
    ])
    // Every connection gets its complete set, empty or not; the other agent's stays empty.
    expect(desired(db).map((m) => m.resources)).toEqual([[]])

    const applied = (report: number, extra: Record<string, unknown> = {}) =>
      web.frame('io.sitewire.resource.status_reported', {
        resource_id: resource.id,
        report,
        observed_version: 1,
        conditions: [
          {
            type: 'Applied',
            status: 'True',
            reason: 'Applied',
            message: '',
            last_transition_time: new Date().toISOString(),
          },
        ],
        feedback: { sha256: `sha-${report}` },
        ...extra,
      })
    const second = applied(2)
    await web.send(applied(1))
    await web.send(second)
    // A repeat, and a report older than the latest, change nothing.
    await web.send(second)
    await web.send(applied(1))
    const read = await json<Resource>(await admin(`/v1/sites/${site.id}/resources/${resource.id}`), 200)
    expect(read.status).toEqual([
      expect.objectContaining({ agent_id: web.agentId, observed_version: 1, feedback: { sha256: 'sha-2' } }),
    ])
    const history = await json<Page<StatusHistoryEntry>>(
      await admin(`/v1/sites/${site.id}/resources/${resource.id}/status-history`),
      200,
    )
    expect(history.items.map((entry) => entry.feedback.sha256)).toEqual(['sha-2', 'sha-1'])
    // A resource is not a bundle: its history is not found under bundles.
    await expectError(
      await admin(`/v1/sites/${site.id}/resource-bundles/${resource.id}/status-history`),
      404,
      'not_found',
    )

    // An agent the consumer does not name may not report on it.
    const { agent_id: _, ...report } = applied(3).data
    db.conn.socket.send(JSON.stringify(db.frame('io.sitewire.resource.status_reported', report)))
    await db.conn.next((m) => typeof m !== 'string' && m.type === 'error' && m.code === 'unknown_resource')

    // Foreground: deleting waits for the agent to report it gone.
    const path = `/v1/sites/${site.id}/resources/${resource.id}`
    expect(await json<Resource>(await admin(path, { method: 'DELETE' }), 200)).toMatchObject({
      deleting: true,
    })
    await eventually(async () => (desired(web).at(-1)?.resources[0]?.deleting ? true : undefined))
    expect((await json<Resource>(await admin(path), 200)).deleting).toBe(true)
    await web.send(applied(3, { deleted: true }))
    await eventually(async () => ((await admin(path)).status === 404 ? true : undefined))
    await eventually(async () => (desired(web).at(-1)?.resources.length === 0 ? true : undefined))

    // An agent revoked while holding a resource being deleted holds it no more.
    const held = await json<Resource>(await create({ name: 'held' }), 201)
    await web.send(
      web.frame('io.sitewire.resource.status_reported', {
        resource_id: held.id,
        report: 1,
        observed_version: 1,
        conditions: [],
        feedback: {},
      }),
    )
    const heldPath = `/v1/sites/${site.id}/resources/${held.id}`
    expect(await json<Resource>(await admin(heldPath, { method: 'DELETE' }), 200)).toMatchObject({
      deleting: true,
    })
    expect((await admin(heldPath)).status).toBe(200)
    await admin(`/v1/sites/${site.id}/agents/${web.agentId}/revoke`, { method: 'POST', json: {} })
    await eventually(async () => ((await admin(heldPath)).status === 404 ? true : undefined))
    expect((await admin(`/v1/sites/${site.id}/consumers/${consumer.id}`, { method: 'DELETE' })).status).toBe(
      200,
    )
  })

  it('are projected to libSQL with their status, and rebuilt from the log exactly', async () => {
    const tenant = await newTenant()
    const own = tenant.client
    const site = await createSite(own, 'projected')
    const consumer = await json<Consumer>(
      await own(`/v1/sites/${site.id}/consumers`, {
        method: 'POST',
        json: { name: 'web', selector: { role: 'web' } },
      }),
      201,
    )
    const token = await json<CreatedEnrolmentToken & { token: string }>(
      await own(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} }),
      201,
    )
    const agent = await connectAgent(site, token.token, { role: 'web' })
    const create = (name: string) =>
      own(`/v1/sites/${site.id}/resources`, {
        method: 'POST',
        json: { consumer_id: consumer.id, name, manifest: { kind: 'Directory', path: `/srv/${name}` } },
      })
    const kept = await json<Resource>(await create('kept'), 201)
    const gone = await json<Resource>(await create('gone'), 201)
    await own(`/v1/sites/${site.id}/resources/${kept.id}`, {
      method: 'PATCH',
      json: { version: 1, labels: { a: 'b' } },
    })
    await own(`/v1/sites/${site.id}/resources/${gone.id}`, { method: 'DELETE' })
    for (const report of [1, 2])
      await agent.send(
        agent.frame('io.sitewire.resource.status_reported', {
          resource_id: kept.id,
          report,
          observed_version: report,
          conditions: [],
          feedback: { report },
        }),
      )

    const db = openProjections(env)
    const snapshot = async () => ({
      consumers: await db.query.consumers.findMany({ where: (t, { eq }) => eq(t.siteId, site.id) }),
      resources: await db.query.resources.findMany({
        where: (t, { eq }) => eq(t.siteId, site.id),
        orderBy: (t) => t.id,
      }),
      status: await db.query.resourceStatus.findMany({ where: (t, { eq }) => eq(t.siteId, site.id) }),
    })
    const settled = () =>
      eventually(async () => {
        const status = (await (await own(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
        return status.projected_seq === status.head_seq ? snapshot() : undefined
      })
    const built = await settled()
    expect(built.consumers).toMatchObject([{ id: consumer.id, name: 'web', tenantId: tenant.tenant_id }])
    expect(built.resources).toMatchObject([
      { id: kept.id, version: 2, deletedAt: null },
      { id: gone.id, deletedAt: expect.any(String) },
    ])
    expect(built.status).toMatchObject([
      { resourceId: kept.id, agentId: agent.agentId, report: 2, feedback: { report: 2 } },
    ])

    const rebuilt = await own('/v1/admin/projections/rebuild', { method: 'POST' })
    expect(rebuilt.status).toBe(202)
    expect(await settled()).toEqual(built)
  })
})
