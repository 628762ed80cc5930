import { env, runInDurableObject } from 'cloudflare:test'
import { exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ApiKey, AuditEntry } from '../../schema/api/access'
import type { Site } from '../../schema/api/sites'
import {
  type Client,
  client,
  cloudEvent,
  createSite,
  eventually,
  type IssuedKey,
  newTenant,
} from '../../test/worker-support'

/**
 * Every /v1 route × every kind of caller, with the exact status each gets, and a check that
 * a refused write changed nothing.
 */
const PRINCIPALS = [
  'none',
  'expired',
  'revoked',
  'otherTenant',
  'otherSite',
  'viewer',
  'operator',
  'admin',
] as const
type PrincipalName = (typeof PRINCIPALS)[number]

interface World {
  callers: Record<PrincipalName, Client>
  site: Site
  viewerKeyId: string
  userId: string
  teamId: string
  agentId: string
  taskId: string
  scheduleId: string
  /** A run that ended and was archived. */
  runId: string
  fileId: string
  spareFileId: () => Promise<string>
  spareTokenId: () => Promise<string>
  spareKeyId: () => Promise<string>
  spareTeamId: () => Promise<string>
  /** An inventory server, and an application that may run on it. */
  entityId: string
  appId: string
  spareEntityId: () => Promise<string>
  /** A deactivated entity, to restore. */
  spareInactiveId: () => Promise<string>
  spareGrantId: () => Promise<string>
  spareRelationId: () => Promise<string>
  spareFieldName: () => Promise<string>
}

interface RouteCase {
  name: string
  method: string
  path: (w: World) => string | Promise<string>
  body?: unknown
  headers?: Record<string, string>
  /** Status per caller, in PRINCIPALS order. */
  expect: [number, number, number, number, number, number, number, number]
}

const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
const unique = () => crypto.randomUUID().slice(0, 8)
const event = () => ({ ...cloudEvent(), datacontenttype: undefined })

const ROUTES: RouteCase[] = [
  //                                                                       none exp  rev  othT othS view oper admin
  {
    name: 'create a site',
    method: 'POST',
    path: () => '/v1/sites',
    body: { name: 'x' },
    expect: [401, 401, 401, 201, 403, 403, 403, 201],
  },
  {
    name: 'list sites',
    method: 'GET',
    path: () => '/v1/sites',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: 'get a site',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'change a site',
    method: 'PATCH',
    path: (w) => `/v1/sites/${w.site.id}`,
    body: { description: 'd' },
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'archive a site',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/archive`,
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'restore a site',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/restore`,
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'site status',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/status`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'read the log',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/events`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'append events',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/events`,
    body: event,
    headers: { 'content-type': 'application/cloudevents+json' },
    expect: [401, 401, 401, 404, 404, 403, 201, 201],
  },
  {
    name: 'stream the log',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/events/stream`,
    headers: { upgrade: 'websocket' },
    expect: [401, 401, 401, 404, 404, 101, 101, 101],
  },
  {
    name: 'read one event',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/events/1`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'list quarantined events',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/projection/quarantine`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'retry quarantined events',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/projection/retry`,
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'search events',
    method: 'GET',
    path: () => '/v1/events',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: 'rebuild projections',
    method: 'POST',
    path: () => '/v1/admin/projections/rebuild',
    expect: [401, 401, 401, 202, 403, 403, 403, 202],
  },
  {
    name: 'create an API key',
    method: 'POST',
    path: () => '/v1/api-keys',
    body: { name: 'k', role: 'viewer' },
    expect: [401, 401, 401, 201, 403, 403, 403, 201],
  },
  {
    name: 'list API keys',
    method: 'GET',
    path: () => '/v1/api-keys',
    expect: [401, 401, 401, 200, 403, 403, 403, 200],
  },
  {
    name: 'get an API key',
    method: 'GET',
    path: (w) => `/v1/api-keys/${w.viewerKeyId}`,
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'revoke an API key',
    method: 'DELETE',
    path: (w) => w.spareKeyId().then((id) => `/v1/api-keys/${id}`),
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'grant a role',
    method: 'POST',
    path: () => '/v1/grants',
    body: { subject: { type: 'user', id: ULID }, role: 'viewer' },
    expect: [401, 401, 401, 422, 403, 403, 403, 422],
  },
  {
    name: 'list grants',
    method: 'GET',
    path: () => '/v1/grants',
    expect: [401, 401, 401, 200, 403, 403, 403, 200],
  },
  {
    name: 'revoke a grant',
    method: 'DELETE',
    path: () => `/v1/grants/${ULID}`,
    expect: [401, 401, 401, 404, 403, 403, 403, 404],
  },
  {
    name: 'read the audit trail',
    method: 'GET',
    path: () => '/v1/audit',
    expect: [401, 401, 401, 200, 403, 403, 403, 200],
  },
  {
    name: 'create a user',
    method: 'POST',
    path: () => '/v1/users',
    body: () => ({ email: `u${unique()}@example.test`, name: 'U' }),
    expect: [401, 401, 401, 201, 403, 403, 403, 201],
  },
  {
    name: 'list users',
    method: 'GET',
    path: () => '/v1/users',
    expect: [401, 401, 401, 200, 403, 403, 403, 200],
  },
  {
    name: 'get a user',
    method: 'GET',
    path: (w) => `/v1/users/${w.userId}`,
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'change a user',
    method: 'PATCH',
    path: (w) => `/v1/users/${w.userId}`,
    body: { name: 'N' },
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: "reset a user's password",
    method: 'POST',
    path: (w) => `/v1/users/${w.userId}/password-reset`,
    body: {},
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'create a team',
    method: 'POST',
    path: () => '/v1/teams',
    body: () => ({ name: `t${unique()}` }),
    expect: [401, 401, 401, 201, 403, 403, 403, 201],
  },
  {
    name: 'list teams',
    method: 'GET',
    path: () => '/v1/teams',
    expect: [401, 401, 401, 200, 403, 403, 403, 200],
  },
  {
    name: 'get a team',
    method: 'GET',
    path: (w) => `/v1/teams/${w.teamId}`,
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'rename a team',
    method: 'PATCH',
    path: (w) => `/v1/teams/${w.teamId}`,
    body: () => ({ name: `t${unique()}` }),
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'delete a team',
    method: 'DELETE',
    path: (w) => w.spareTeamId().then((id) => `/v1/teams/${id}`),
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'add a member',
    method: 'PUT',
    path: (w) => `/v1/teams/${w.teamId}/members/${w.userId}`,
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'remove a member',
    method: 'DELETE',
    path: (w) => `/v1/teams/${w.teamId}/members/${w.userId}`,
    expect: [401, 401, 401, 404, 403, 403, 403, 200],
  },
  {
    name: 'who am I',
    method: 'GET',
    path: () => '/v1/auth/me',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: 'sign out',
    method: 'POST',
    path: () => '/v1/auth/sign-out',
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
  },
  {
    name: 'create an enrolment token',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/enrolment-tokens`,
    body: {},
    expect: [401, 401, 401, 404, 404, 403, 201, 201],
  },
  {
    name: 'list enrolment tokens',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/enrolment-tokens`,
    expect: [401, 401, 401, 404, 404, 403, 200, 200],
  },
  {
    name: 'revoke an enrolment token',
    method: 'DELETE',
    path: (w) => w.spareTokenId().then((id) => `/v1/sites/${w.site.id}/enrolment-tokens/${id}`),
    expect: [401, 401, 401, 404, 404, 403, 200, 200],
  },
  {
    name: "list a site's agents",
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/agents`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'get an agent',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/agents/${w.agentId}`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'approve an agent',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/agents/${w.agentId}/approve`,
    expect: [401, 401, 401, 404, 404, 403, 200, 200],
  },
  {
    name: 'ask agents for their facts',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/agents/refresh-facts`,
    expect: [401, 401, 401, 404, 404, 403, 202, 202],
  },
  {
    name: 'search the inventory',
    method: 'GET',
    path: () => '/v1/agents',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: 'create a schedule',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/schedules`,
    body: () => ({ task_id: world.taskId, cron: '0 9 * * *', run: { target: { labels: { role: 'web' } } } }),
    expect: [401, 401, 401, 404, 404, 403, 201, 201],
  },
  {
    name: 'list schedules',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/schedules`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'get a schedule',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/schedules/${w.scheduleId}`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'pause a schedule',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/schedules/${w.scheduleId}/pause`,
    expect: [401, 401, 401, 404, 404, 403, 200, 200],
  },
  {
    name: 'search the run history',
    method: 'GET',
    path: () => '/v1/runs',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: 'search step attempts',
    method: 'GET',
    path: () => '/v1/runs/steps',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: "download a run's log archive",
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/runs/${w.runId}/archive`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'upload a file',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/files?name=f`,
    body: { any: 'bytes' },
    expect: [401, 401, 401, 404, 404, 403, 201, 201],
  },
  {
    name: 'list files',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/files`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'get a file',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/files/${w.fileId}`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'download a file',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/files/${w.fileId}/content`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    // The operator deletes it; the admin, asking next, finds it gone.
    name: 'delete a file',
    method: 'DELETE',
    path: (w) => w.spareFileId().then((id) => `/v1/sites/${w.site.id}/files/${id}`),
    expect: [401, 401, 401, 404, 404, 403, 200, 404],
  },
  {
    name: 'create an inventory entity',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/inventory/entities`,
    body: { kind: 'client', name: 'ACME', attributes: {} },
    expect: [401, 401, 401, 404, 404, 403, 201, 201],
  },
  {
    // A header and no lines: nothing to create, quoted as the matrix sends bodies.
    name: 'import inventory entities',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/inventory/import?kind=server`,
    body: 'name',
    headers: { 'content-type': 'text/csv' },
    expect: [401, 401, 401, 404, 404, 403, 200, 200],
  },
  {
    name: 'list inventory entities',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/entities`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'get an inventory entity',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/entities/${w.entityId}`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'change an inventory entity',
    method: 'PATCH',
    path: (w) => `/v1/sites/${w.site.id}/inventory/entities/${w.entityId}`,
    body: { tags: ['web'] },
    expect: [401, 401, 401, 404, 404, 403, 200, 200],
  },
  {
    name: 'deactivate an inventory entity',
    method: 'DELETE',
    path: (w) => w.spareEntityId().then((id) => `/v1/sites/${w.site.id}/inventory/entities/${id}`),
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'restore an inventory entity',
    method: 'POST',
    path: (w) => w.spareInactiveId().then((id) => `/v1/sites/${w.site.id}/inventory/entities/${id}/restore`),
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: "an inventory entity's history",
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/entities/${w.entityId}/history`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'diff an inventory entity',
    method: 'GET',
    path: (w) =>
      `/v1/sites/${w.site.id}/inventory/entities/${w.entityId}/diff?from=2026-01-01T00:00:00Z&to=2036-01-01T00:00:00Z`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: "list an inventory entity's grants",
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/entities/${w.entityId}/grants`,
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'grant a level on an inventory entity',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/inventory/entities/${w.entityId}/grants`,
    body: { subject: { type: 'team', id: ULID }, level: 'read' },
    expect: [401, 401, 401, 404, 404, 403, 403, 201],
  },
  {
    name: 'revoke a grant on an inventory entity',
    method: 'DELETE',
    path: (w) =>
      w.spareGrantId().then((id) => `/v1/sites/${w.site.id}/inventory/entities/${w.entityId}/grants/${id}`),
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    // The operator relates them; the admin, asking next, finds them related.
    name: 'relate inventory entities',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/inventory/relations`,
    body: () => ({ type: 'runs_on', from_id: world.appId, to_id: world.entityId }),
    expect: [401, 401, 401, 404, 404, 403, 201, 409],
  },
  {
    // The operator's batch stores; the admin's, naming the same pair, is refused whole.
    name: 'relate inventory entities in a batch',
    method: 'POST',
    path: (w) => `/v1/sites/${w.site.id}/inventory/relations/batch`,
    body: () => ({ relations: [{ type: 'depends_on', from_id: world.appId, to_id: world.entityId }] }),
    expect: [401, 401, 401, 404, 404, 403, 201, 422],
  },
  {
    name: 'list inventory relations',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/relations`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'remove an inventory relation',
    method: 'DELETE',
    path: (w) => w.spareRelationId().then((id) => `/v1/sites/${w.site.id}/inventory/relations/${id}`),
    expect: [401, 401, 401, 404, 404, 403, 200, 404],
  },
  {
    name: 'list inventory custom fields',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/custom-fields`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'define an inventory custom field',
    method: 'PUT',
    path: (w) => `/v1/sites/${w.site.id}/inventory/custom-fields/server/rack`,
    body: { type: 'integer' },
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'remove an inventory custom field',
    method: 'DELETE',
    path: (w) =>
      w.spareFieldName().then((name) => `/v1/sites/${w.site.id}/inventory/custom-fields/server/${name}`),
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: 'report on inventory entities',
    method: 'GET',
    path: () => '/v1/inventory/reports/entities?kind=server',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: 'pivot the inventory',
    method: 'GET',
    path: () => '/v1/inventory/reports/pivot?chain=application,runs_on,server',
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
  },
  {
    name: 'list inventory option lists',
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/options`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: 'set an inventory option list',
    method: 'PUT',
    path: (w) => `/v1/sites/${w.site.id}/inventory/options/environments`,
    body: { values: ['prod'] },
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
  {
    name: "read a site's discovery settings",
    method: 'GET',
    path: (w) => `/v1/sites/${w.site.id}/inventory/discovery-settings`,
    expect: [401, 401, 401, 404, 404, 200, 200, 200],
  },
  {
    name: "set a site's discovery settings",
    method: 'PUT',
    path: (w) => `/v1/sites/${w.site.id}/inventory/discovery-settings`,
    body: { stale_after_days: 7, inactive_after_days: 30 },
    expect: [401, 401, 401, 404, 404, 403, 403, 200],
  },
]

let world: World
let admin: Client

const keyIdOf = async (secret: string) => {
  const keys = (await (await admin('/v1/api-keys?include_revoked=true&limit=1000')).json()) as {
    items: ApiKey[]
  }
  const key = keys.items.find((k) => secret.startsWith(k.prefix))
  if (!key) throw new Error('key not listed')
  return key.id
}

beforeAll(async () => {
  const tenant = await newTenant()
  admin = tenant.client
  const site = await createSite(admin, 'target')
  const otherSite = await createSite(admin, 'elsewhere')
  const other = await newTenant()

  const expired = await tenant.keyFor('admin', { expires_at: new Date(Date.now() + 60_000).toISOString() })
  const expiredId = await keyIdOf(expired)
  await runInDurableObject(tenant.object, (_instance, state) => {
    state.storage.sql.exec('UPDATE api_keys SET expires_at = ? WHERE id = ?', Date.now() - 1000, expiredId)
  })
  const revoked = await tenant.keyFor('admin')
  expect((await admin(`/v1/api-keys/${await keyIdOf(revoked)}`, { method: 'DELETE' })).status).toBe(200)
  const viewer = await tenant.keyFor('viewer')

  const created = async (path: string, json: unknown) =>
    ((await (await admin(path, { method: 'POST', json })).json()) as { id: string }).id
  const newTeam = () => created('/v1/teams', { name: `t${unique()}` })
  const newToken = async () =>
    (await (await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} })).json()) as {
      id: string
      token: string
    }
  const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const enrolled = await client(undefined)('/v1/agents/enrol', {
    method: 'POST',
    json: { token: (await newToken()).token, public_key: (await exportJWK(publicKey)).x, hostname: 'h' },
  })
  const taskId = await created(`/v1/sites/${site.id}/tasks`, {
    name: 't',
    steps: [{ kind: 'script', body: 'true' }],
  })
  const agentId = ((await enrolled.json()) as { agent_id: string }).agent_id
  const newFile = async () =>
    (
      (await (
        await admin(`/v1/sites/${site.id}/files?name=f`, { method: 'POST', body: 'bytes' })
      ).json()) as {
        id: string
      }
    ).id
  // The agent never connects: the run's deadline passes, the alarm ends it, and it is archived.
  const runId = await created(`/v1/sites/${site.id}/tasks/${taskId}/runs`, {
    target: { agent_ids: [agentId] },
    deadline_seconds: 1,
  })
  await eventually(async () => {
    const run = (await (await admin(`/v1/sites/${site.id}/runs/${runId}`)).json()) as { archive: unknown }
    return run.archive ?? undefined
  }, 10_000)
  const inventory = `/v1/sites/${site.id}/inventory`
  const newEntity = () =>
    created(`${inventory}/entities`, { kind: 'server', name: 'h', attributes: { hostname: 'h' } })
  const entityId = await newEntity()
  const appId = await created(`${inventory}/entities`, { kind: 'application', name: 'a', attributes: {} })
  const datacenterId = await created(`${inventory}/entities`, {
    kind: 'datacenter',
    name: 'dc',
    attributes: {},
  })
  world = {
    entityId,
    appId,
    spareEntityId: newEntity,
    spareInactiveId: async () => {
      const id = await newEntity()
      expect((await admin(`${inventory}/entities/${id}`, { method: 'DELETE' })).status).toBe(200)
      return id
    },
    spareGrantId: () =>
      created(`${inventory}/entities/${entityId}/grants`, {
        subject: { type: 'user', id: ULID },
        level: 'read',
      }),
    spareRelationId: async () =>
      created(`${inventory}/relations`, {
        type: 'located_in',
        from_id: await newEntity(),
        to_id: datacenterId,
      }),
    spareFieldName: async () => {
      const name = `f${unique()}`.replace(/-/g, '')
      expect(
        (await admin(`${inventory}/custom-fields/server/${name}`, { method: 'PUT', json: { type: 'text' } }))
          .status,
      ).toBe(200)
      return name
    },
    site,
    viewerKeyId: await keyIdOf(viewer),
    userId: await created('/v1/users', { email: `member${unique()}@example.test`, name: 'Member' }),
    teamId: await newTeam(),
    spareKeyId: async () => keyIdOf(await tenant.keyFor('viewer')),
    spareTeamId: newTeam,
    agentId,
    spareTokenId: async () => (await newToken()).id,
    taskId,
    runId,
    fileId: await newFile(),
    spareFileId: newFile,
    scheduleId: await created(`/v1/sites/${site.id}/schedules`, {
      task_id: taskId,
      cron: '0 9 * * *',
      run: { target: { labels: { role: 'web' } } },
    }),
    callers: {
      none: client(undefined),
      expired: client(expired),
      revoked: client(revoked),
      otherTenant: other.client,
      otherSite: client(await tenant.keyFor('admin', { site_id: otherSite.id })),
      viewer: client(viewer),
      operator: client(await tenant.keyFor('operator')),
      admin,
    },
  }
}, 30_000)

/** What a refused write must leave exactly as it was. */
const snapshot = async () => ({
  site: await (await admin(`/v1/sites/${world.site.id}`)).json(),
  log: ((await (await admin(`/v1/sites/${world.site.id}/events?limit=1000`)).json()) as { items: unknown[] })
    .items.length,
  // last_used_at moves whenever a key is used, refused or not; everything else must stay.
  keys: (
    (await (await admin('/v1/api-keys?include_revoked=true&limit=1000')).json()) as { items: ApiKey[] }
  ).items.map(({ last_used_at: _used, ...key }) => key),
  grants: await (await admin('/v1/grants')).json(),
  users: await (await admin('/v1/users?limit=1000')).json(),
  teams: await (await admin('/v1/teams?limit=1000')).json(),
})

describe('authorization matrix', () => {
  for (const route of ROUTES) {
    it(`${route.method} ${route.name}`, async () => {
      const got: Record<string, number> = {}
      const isWrite = route.method !== 'GET'
      // Refused callers come first in PRINCIPALS; the state must be as it was until a caller of
      // this tenant is allowed to write (another tenant's writes land in its own tenant).
      const path = await route.path(world)
      let before = isWrite ? await snapshot() : undefined
      for (const [index, who] of PRINCIPALS.entries()) {
        const expected = route.expect[index] ?? 0
        if (before && expected < 400 && who !== 'otherTenant') {
          expect(await snapshot(), `a refused ${route.name} changed state`).toEqual(before)
          before = undefined
        }
        const body = typeof route.body === 'function' ? route.body() : route.body
        const response = await world.callers[who](path, {
          method: route.method,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...route.headers,
          },
        })
        got[who] = response.status
        if (response.webSocket) response.webSocket.accept()
        response.webSocket?.close()
      }
      if (before) expect(await snapshot(), `a refused ${route.name} changed state`).toEqual(before)
      expect(got).toEqual(Object.fromEntries(PRINCIPALS.map((who, i) => [who, route.expect[i]])))
    }, 30_000)
  }
})

describe('API keys', () => {
  it('shows the secret once, stores only its hash, and revocation takes effect on the next request', async () => {
    const tenant = await newTenant()
    const created = await tenant.client('/v1/api-keys', {
      method: 'POST',
      json: { name: 'ci', role: 'operator' },
    })
    expect(created.status).toBe(201)
    const key = (await created.json()) as IssuedKey
    expect(key).toMatchObject({
      name: 'ci',
      role: 'operator',
      scopes: ['api'],
      site_id: null,
      revoked_at: null,
      last_used_at: null,
    })
    expect(key.secret).toMatch(new RegExp(`^sw_${tenant.tenant_id}_`))
    const listed = (await (await tenant.client(`/v1/api-keys/${key.id}`)).json()) as ApiKey
    expect(listed).not.toHaveProperty('secret')
    expect(JSON.stringify(listed)).not.toContain(key.secret.slice(34))

    const stored = await runInDurableObject(tenant.object, (_instance, state) =>
      state.storage.sql.exec<{ hash: string }>('SELECT hash FROM api_keys WHERE id = ?', key.id).one(),
    )
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(stored.hash).not.toContain(key.secret)

    const asKey = client(key.secret)
    expect((await asKey('/v1/sites')).status).toBe(200)
    const used = (await (await tenant.client(`/v1/api-keys/${key.id}`)).json()) as ApiKey
    expect(used.last_used_at).not.toBeNull()
    expect((await tenant.client(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await asKey('/v1/sites')).status).toBe(401)
    const list = (await (await tenant.client('/v1/api-keys')).json()) as { items: ApiKey[] }
    expect(list.items.map((k) => k.id)).not.toContain(key.id)
  })

  it('replays a repeated creation without the secret, and keeps no secret for replays', async () => {
    const tenant = await newTenant()
    const send = () =>
      tenant.client('/v1/api-keys', {
        method: 'POST',
        json: { name: 'once', role: 'viewer' },
        headers: { 'idempotency-key': 'k1' },
      })
    const first = (await (await send()).json()) as IssuedKey
    const again = await send()
    expect(again.status).toBe(201)
    expect(await again.json()).toEqual({ ...first, secret: null })
    const stored = await runInDurableObject(tenant.object, (_instance, state) =>
      state.storage.sql.exec<{ body: string }>('SELECT body FROM idempotency').toArray(),
    )
    expect(stored.length).toBeGreaterThan(0)
    for (const row of stored) expect(row.body).not.toContain(first.secret.slice(34))
  })

  it('refuses a key without the api scope, and bad key specs', async () => {
    const tenant = await newTenant()
    const enrolOnly = await tenant.keyFor('admin', { scopes: ['agent-enrol'] })
    const refused = await client(enrolOnly)('/v1/sites')
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_scope')
    for (const json of [
      { name: 'x', role: 'root' },
      { name: '', role: 'viewer' },
      { name: 'x', role: 'viewer', scopes: ['everything'] },
      { name: 'x', role: 'viewer', expires_at: '2001-01-01T00:00:00.000Z' },
      { name: 'x', role: 'viewer', extra: true },
    ]) {
      expect((await tenant.client('/v1/api-keys', { method: 'POST', json })).status).toBe(400)
    }
    const unknownSite = await tenant.client('/v1/api-keys', {
      method: 'POST',
      json: { name: 'x', role: 'viewer', site_id: ULID },
    })
    expect(unknownSite.status).toBe(422)
  })
})

describe('audit trail', () => {
  it('records writes, refusals and key changes with actor, object, address and status', async () => {
    const tenant = await newTenant()
    const site = await createSite(tenant.client, 'audited')
    const viewerKey = await tenant.keyFor('viewer')
    await client(viewerKey)(`/v1/sites/${site.id}`, { method: 'PATCH', json: { name: 'nope' } })
    await tenant.client(`/v1/sites/${site.id}`, { method: 'PATCH', json: { name: 'yes' } })
    const page = (await (await tenant.client('/v1/audit?limit=50')).json()) as {
      items: AuditEntry[]
      next_cursor: string | null
    }
    const actions = page.items.map((e) => [e.action, e.status, e.actor.type])
    expect(actions).toEqual(
      expect.arrayContaining([
        ['site.create', 201, 'key'],
        ['site.update', 403, 'key'],
        ['site.update', 200, 'key'],
        ['api_key.create', 201, 'key'],
        ['tenant.create', 201, 'anonymous'],
      ]),
    )
    const refused = page.items.find((e) => e.action === 'site.update' && e.status === 403)
    expect(refused).toMatchObject({
      object: { type: 'site', id: site.id },
      site_id: site.id,
      details: { code: 'forbidden' },
    })
    expect(refused?.actor.id).not.toBe(tenant.key_id)

    const filtered = (await (
      await tenant.client(`/v1/audit?action=site.update&object_id=${site.id}`)
    ).json()) as { items: AuditEntry[] }
    expect(filtered.items.map((e) => e.status)).toEqual([200, 403])
    const first = (await (await tenant.client('/v1/audit?limit=2')).json()) as {
      items: AuditEntry[]
      next_cursor: string
    }
    const second = (await (await tenant.client(`/v1/audit?limit=2&cursor=${first.next_cursor}`)).json()) as {
      items: AuditEntry[]
    }
    expect(second.items[0]?.id).toBe(page.items[2]?.id)
  })

  it('offers no way to change or delete audit records', async () => {
    const tenant = await newTenant()
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect((await tenant.client('/v1/audit', { method, json: {} })).status).toBe(404)
    }
    expect(env.TENANT).toBeDefined()
  })
})

describe('secrets', () => {
  it('never reach the site log or the audit trail', async () => {
    const tenant = await newTenant()
    const created = (await (
      await tenant.client('/v1/api-keys', { method: 'POST', json: { name: 'w', role: 'admin' } })
    ).json()) as IssuedKey
    const writer = client(created.secret)
    const site = await createSite(writer, 'secretive')
    await writer(`/v1/sites/${site.id}`, { method: 'PATCH', json: { description: 'x' } })
    await writer(`/v1/sites/${site.id}/events`, {
      method: 'POST',
      body: JSON.stringify(cloudEvent()),
      headers: { 'content-type': 'application/cloudevents+json' },
    })
    const log = await (await writer(`/v1/sites/${site.id}/events?limit=1000`)).text()
    const audit = await (await tenant.client('/v1/audit?limit=1000')).text()
    const secretPart = created.secret.slice(34)
    for (const text of [log, audit]) {
      expect(text).not.toContain(secretPart)
      expect(text).not.toContain(tenant.api_key.slice(34))
    }
    expect(log).toContain(`key/${created.id}`)
  })
})
