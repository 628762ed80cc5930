import { Hono } from 'hono'
import * as v from 'valibot'
import { Ulid } from '../../schema/common'
import {
  Connector,
  ConnectorListQuery,
  ConnectorPage,
  ConnectorSyncPage,
  CreateConnectorBody,
  SyncConnectorBody,
  SyncHistoryQuery,
  UpdateConnectorBody,
} from '../../schema/inventory/connectors'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { optionalJson, requireJson, valid } from '../http/validation'
import { SiteParam } from './sites'

const ConnectorParam = v.object({ siteId: Ulid, connectorId: Ulid })
const TAG = 'Inventory'
const WRITE_ERRORS = { 409: 'The site is archived', 415: 'Body is not JSON' }
const SECRETS =
  'Credentials never reach the platform: `*_secret` fields name secrets in the agent’s own store ' +
  '(`sitewire-agent secrets set NAME`), and whatever they hold is taken as a name, never as a key.'

/** `/v1/sites/{siteId}/inventory/connectors/…`: cloud connectors an agent of the site runs. */
export const connectorRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/inventory/connectors',
    route({
      summary: 'Create a cloud connector',
      tag: TAG,
      description:
        '`provider` `aws` (with `aws.regions`, optional `endpoint`) or `openstack` (with `openstack.auth_url` ' +
        'and a user or an application credential); `agent_id` names the agent of the site that runs it; ' +
        '`intervals` per resource type in seconds (servers 300, load_balancers 900, databases 900, ' +
        `datacenters 3600 by default; at least 60; \`false\` switches a type off). ${SECRETS}`,
      ok: { status: 201, schema: Connector, description: 'The connector' },
      errors: {
        ...WRITE_ERRORS,
        422: 'No such agent in the site (`unknown_agent`), or a type the provider lacks',
      },
    }),
    valid('param', SiteParam),
    audited('inventory.connector.create', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', CreateConnectorBody),
    async (c) => send(c, await callerSite(c).connectors.create(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/inventory/connectors',
    route({
      summary: "A site's cloud connectors",
      tag: TAG,
      description: 'Each with its last sync and next due time per resource type.',
      ok: { status: 200, schema: ConnectorPage, description: 'A page of connectors' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ConnectorListQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerSite(c).connectors.list(limit, cursor))
    },
  )
  .get(
    '/:siteId/inventory/connectors/:connectorId',
    route({
      summary: 'Get a cloud connector',
      tag: TAG,
      ok: { status: 200, schema: Connector, description: 'The connector' },
    }),
    valid('param', ConnectorParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).connectors.get(c.req.valid('param').connectorId)),
  )
  .patch(
    '/:siteId/inventory/connectors/:connectorId',
    route({
      summary: 'Change a cloud connector',
      tag: TAG,
      description: `Fields given replace theirs, \`intervals\` per type; the provider stays. ${SECRETS}`,
      ok: { status: 200, schema: Connector, description: 'The connector' },
      errors: { ...WRITE_ERRORS, 422: 'No such agent, or settings of the other provider' },
    }),
    valid('param', ConnectorParam),
    audited('inventory.connector.update', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', UpdateConnectorBody),
    async (c) =>
      send(
        c,
        await callerSite(c).connectors.update(
          c.req.valid('param').connectorId,
          c.req.valid('json'),
          writeOf(c),
        ),
      ),
  )
  .delete(
    '/:siteId/inventory/connectors/:connectorId',
    route({
      summary: 'Delete a cloud connector',
      tag: TAG,
      description: 'Its agent stops syncing it; the entities it found stay, and age as no source sees them.',
      ok: { status: 200, schema: Connector, description: 'The connector as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', ConnectorParam),
    audited('inventory.connector.delete', 'site'),
    authorize('admin', 'site'),
    async (c) => send(c, await callerSite(c).connectors.delete(c.req.valid('param').connectorId, writeOf(c))),
  )
  .post(
    '/:siteId/inventory/connectors/:connectorId/sync',
    route({
      summary: 'Sync a cloud connector now',
      tag: TAG,
      description:
        'Every resource type it reads, or those in `resource_types`; its agent syncs them as soon as it hears ' +
        '(at once when connected, else on reconnect). The results come in `…/syncs`.',
      ok: { status: 202, schema: Connector, description: 'The connector' },
      errors: { ...WRITE_ERRORS, 422: 'A type the connector does not read (`resource_type_off`)' },
    }),
    valid('param', ConnectorParam),
    audited('inventory.connector.sync', 'site'),
    authorize('admin', 'site'),
    optionalJson,
    valid('json', SyncConnectorBody),
    async (c) => {
      const { connectorId } = c.req.valid('param')
      const body = c.req.valid('json') ?? {}
      return send(c, await callerSite(c).connectors.sync(connectorId, body.resource_types, writeOf(c)))
    },
  )
  .get(
    '/:siteId/inventory/connectors/:connectorId/syncs',
    route({
      summary: "A cloud connector's syncs",
      tag: TAG,
      description:
        'Newest first: per resource type, when it ran, whether it succeeded, the entities it created, updated, ' +
        'retired and left unchanged, and its errors with a hint.',
      ok: { status: 200, schema: ConnectorSyncPage, description: 'A page of syncs' },
    }),
    valid('param', ConnectorParam),
    authorize('viewer', 'site'),
    valid('query', SyncHistoryQuery),
    async (c) => {
      const { connectorId } = c.req.valid('param')
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerSite(c).connectors.syncs(connectorId, limit, cursor))
    },
  )
