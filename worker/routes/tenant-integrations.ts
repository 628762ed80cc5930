import { type Context, Hono } from 'hono'
import * as v from 'valibot'
import {
  CreateTenantIntegrationBody,
  HookRefusalList,
  Integration,
  IntegrationPage,
  IntegrationWithSecret,
  TenantDeliveryPage,
  TenantDeliveryQuery,
  UpdateTenantIntegrationBody,
} from '../../schema/api/alerts'
import { PageQuery, Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'

const IdParam = v.object({ integrationId: Ulid })
const TAG = 'Alerts'

const originOf = (c: Context<AppEnv>) => new URL(c.req.url).origin
const tenant = (c: Context<AppEnv>) => callerTenant(c)

const ROUTING =
  'Its alerts go to the sites their labels name: the value of `routing.label` (default `site`) is looked up in ' +
  '`routing.sites` (value → site id), else taken as a site id, else as a site name (any case); an alert naming ' +
  'none goes to `routing.fallback_site_id`, or is answered `unrouted`.'

/** `/v1/integrations`: the tenant's integrations that belong to no site. Tenant admins only. */
export const tenantIntegrationRoutes = new Hono<AppEnv>()
  .post(
    '/',
    route({
      summary: 'Create a tenant-wide integration',
      tag: TAG,
      description: `An authenticated endpoint for one sender that serves every site. ${ROUTING} The answer holds its secret, shown this once.`,
      ok: { status: 201, schema: IntegrationWithSecret, description: 'The integration and its secret' },
      errors: { 415: 'Body is not JSON', 422: 'The routing names a site the tenant does not have' },
    }),
    authorize('admin'),
    requireJson,
    valid('json', CreateTenantIntegrationBody),
    async (c) => send(c, await tenant(c).createIntegration(c.req.valid('json'), originOf(c), writeOf(c))),
  )
  .get(
    '/',
    route({
      summary: 'List tenant-wide integrations',
      tag: TAG,
      ok: { status: 200, schema: IntegrationPage, description: 'Integrations, oldest first' },
    }),
    authorize('admin'),
    valid('query', PageQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await tenant(c).listIntegrations(limit, cursor, originOf(c)))
    },
  )
  .get(
    '/:integrationId',
    route({
      summary: 'Get a tenant-wide integration',
      tag: TAG,
      ok: { status: 200, schema: Integration, description: 'The integration' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => send(c, await tenant(c).getIntegration(c.req.valid('param').integrationId, originOf(c))),
  )
  .patch(
    '/:integrationId',
    route({
      summary: 'Change a tenant-wide integration',
      tag: TAG,
      description: 'A new name, settings of the same kind, or routing.',
      ok: { status: 200, schema: Integration, description: 'The integration as it is now' },
      errors: {
        415: 'Body is not JSON',
        422: 'Another kind (`kind_changed`), or an unknown site in the routing',
      },
    }),
    authorize('admin'),
    valid('param', IdParam),
    requireJson,
    valid('json', UpdateTenantIntegrationBody),
    async (c) =>
      send(
        c,
        await tenant(c).updateIntegration(
          c.req.valid('param').integrationId,
          c.req.valid('json'),
          originOf(c),
          writeOf(c),
        ),
      ),
  )
  .post(
    '/:integrationId/rotate-secret',
    route({
      summary: "Rotate a tenant-wide integration's secret",
      tag: TAG,
      description: 'A new secret, shown once; the previous one stays valid until retired.',
      ok: { status: 200, schema: IntegrationWithSecret, description: 'The integration and its new secret' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) =>
      send(
        c,
        await tenant(c).rotateIntegrationSecret(c.req.valid('param').integrationId, originOf(c), writeOf(c)),
      ),
  )
  .post(
    '/:integrationId/retire-secret',
    route({
      summary: 'Retire the previous secret',
      tag: TAG,
      ok: { status: 200, schema: Integration, description: 'The integration, with one secret' },
      errors: { 409: 'There is a single secret (`nothing_to_retire`)' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) =>
      send(
        c,
        await tenant(c).retireIntegrationSecret(c.req.valid('param').integrationId, originOf(c), writeOf(c)),
      ),
  )
  .delete(
    '/:integrationId',
    route({
      summary: 'Delete a tenant-wide integration',
      tag: TAG,
      description: 'Its deliveries are refused from now on; alerts it brought stay on their sites.',
      ok: { status: 200, schema: Integration, description: 'The integration as it was' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) =>
      send(c, await tenant(c).deleteIntegration(c.req.valid('param').integrationId, originOf(c), writeOf(c))),
  )
  .get(
    '/:integrationId/refusals',
    route({
      summary: 'Deliveries refused for their credentials',
      tag: TAG,
      ok: { status: 200, schema: HookRefusalList, description: 'Counts per source address and reason' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => send(c, await tenant(c).integrationRefusals(c.req.valid('param').integrationId)),
  )
  .get(
    '/:integrationId/deliveries',
    route({
      summary: "A tenant-wide integration's deliveries",
      tag: TAG,
      description:
        'Newest first, as they came (credentials left out), with each alert’s site and outcome; kept for 7 days. ' +
        '`outcome` keeps the deliveries holding an alert it led to (e.g. `unrouted`, `pending`, `refused`).',
      ok: { status: 200, schema: TenantDeliveryPage, description: 'Deliveries' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    valid('query', TenantDeliveryQuery),
    async (c) =>
      send(
        c,
        await tenant(c).integrationDeliveries(c.req.valid('param').integrationId, c.req.valid('query')),
      ),
  )
