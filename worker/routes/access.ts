import { Hono } from 'hono'
import * as v from 'valibot'
import {
  ApiKey,
  ApiKeyPage,
  AuditPage,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateGrantBody,
  Grant,
  GrantPage,
  ListApiKeysQuery,
  ListAuditQuery,
} from '../../schema/api/access'
import { IdParam, PageQuery, Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { principalCache } from '../auth/principal-cache'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'

const ListGrantsQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  subject_id: v.optional(Ulid),
  site_id: v.optional(Ulid),
})

/** `/v1/api-keys`: create (the secret is shown once), list, read and revoke API keys. */
export const apiKeyRoutes = new Hono<AppEnv>()
  .post(
    '/',
    route({
      summary: 'Create an API key',
      tag: 'Access',
      description: 'The answer holds the secret; it is never shown again. Only its SHA-256 is stored.',
      ok: { status: 201, schema: CreatedApiKey, description: 'The key, with its secret' },
      errors: { 415: 'Body is not JSON', 422: 'Unknown site, or Idempotency-Key reused' },
    }),
    authorize('admin'),
    requireJson,
    valid('json', CreateApiKeyBody),
    async (c) => {
      const spec = c.req.valid('json')
      const tenant = callerTenant(c)
      if (spec.site_id && !(await tenant.hasSite(spec.site_id))) {
        throw apiError(422, 'unknown_site', `no site ${spec.site_id} in this tenant`)
      }
      return send(c, await tenant.createApiKey(spec, writeOf(c)))
    },
  )
  .get(
    '/',
    route({
      summary: 'List API keys',
      tag: 'Access',
      ok: { status: 200, schema: ApiKeyPage, description: 'Keys, newest first, without secrets' },
    }),
    authorize('admin'),
    valid('query', ListApiKeysQuery),
    async (c) => {
      const query = c.req.valid('query')
      return send(
        c,
        await callerTenant(c).listApiKeys(query.limit, query.cursor, query.include_revoked === 'true'),
      )
    },
  )
  .get(
    '/:id',
    route({
      summary: 'Get an API key',
      tag: 'Access',
      ok: { status: 200, schema: ApiKey, description: 'The key, without its secret' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => send(c, await callerTenant(c).getApiKey(c.req.valid('param').id)),
  )
  .delete(
    '/:id',
    route({
      summary: 'Revoke an API key',
      tag: 'Access',
      description:
        'Requests made with the key answer 401 from then on; a Worker instance that verified the key in ' +
        'the last 5 seconds may still accept it until those seconds have passed.',
      ok: { status: 200, schema: ApiKey, description: 'The revoked key' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => {
      const id = c.req.valid('param').id
      const reply = await callerTenant(c).revokeApiKey(id, writeOf(c))
      principalCache.forgetKey(id)
      return send(c, reply)
    },
  )

/** `/v1/grants`: roles given to users and teams, on the tenant or on one site. */
export const grantRoutes = new Hono<AppEnv>()
  .post(
    '/',
    route({
      summary: 'Grant a role',
      tag: 'Access',
      description:
        'Gives a user or a team a role on the whole tenant, or on one site. Granting again replaces the role.',
      ok: { status: 201, schema: Grant, description: 'The grant' },
      errors: { 415: 'Body is not JSON', 422: 'Unknown user, team or site' },
    }),
    authorize('admin'),
    requireJson,
    valid('json', CreateGrantBody),
    async (c) => send(c, await callerTenant(c).createGrant(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/',
    route({
      summary: 'List grants',
      tag: 'Access',
      ok: { status: 200, schema: GrantPage, description: 'Grants, newest first' },
    }),
    authorize('admin'),
    valid('query', ListGrantsQuery),
    async (c) => {
      const query = c.req.valid('query')
      const filter = {
        ...(query.subject_id ? { subjectId: query.subject_id } : {}),
        ...(query.site_id ? { siteId: query.site_id } : {}),
      }
      return send(c, await callerTenant(c).listGrants(query.limit, query.cursor, filter))
    },
  )
  .delete(
    '/:id',
    route({
      summary: 'Revoke a grant',
      tag: 'Access',
      description: 'Takes effect on the next request.',
      ok: { status: 200, schema: Grant, description: 'The revoked grant' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => send(c, await callerTenant(c).revokeGrant(c.req.valid('param').id, writeOf(c))),
  )

/** `/v1/audit`: the tenant's audit trail, read-only. */
export const auditRoutes = new Hono<AppEnv>().get(
  '/',
  route({
    summary: 'Read the audit trail',
    tag: 'Access',
    description:
      'Every change of access, every sign-in and every authenticated write: who, what, which object, when, from where, and how it ended. ' +
      'Newest first. No route changes or deletes an audit record.',
    ok: { status: 200, schema: AuditPage, description: 'Audit records, newest first' },
  }),
  authorize('admin'),
  valid('query', ListAuditQuery),
  async (c) => send(c, await callerTenant(c).listAudit(c.req.valid('query'))),
)
