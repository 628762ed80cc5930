import { Hono } from 'hono'
import * as v from 'valibot'
import { Consumer, ConsumerPage, CreateConsumerBody } from '../../schema/api/resources'
import { PageQuery, Ulid } from '../../schema/common'
import { ResourceSettings } from '../../schema/resources/resource'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { bundleRoutes, singleRoutes, TAG, WRITE_ERRORS } from './resource-manifests'
import { SiteParam } from './sites'

const ConsumerParam = v.object({ siteId: Ulid, consumerId: Ulid })

/** `/v1/sites/{siteId}/consumers`: who receives resources. */
const consumerRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/consumers',
    route({
      summary: 'Create a consumer',
      tag: TAG,
      description:
        'Who receives resources: one agent (`agent_id`), or the approved agents whose labels hold every pair of ' +
        '`selector`; with neither, the agents labelled `consumer=<name>`. Names are unique in the site.',
      ok: { status: 201, schema: Consumer, description: 'The consumer' },
      errors: { ...WRITE_ERRORS, 409: 'A consumer of that name exists, or the site is archived' },
    }),
    valid('param', SiteParam),
    audited('consumer.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateConsumerBody),
    async (c) => send(c, await callerSite(c).resources.createConsumer(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/consumers',
    route({
      summary: "List a site's consumers",
      tag: TAG,
      ok: { status: 200, schema: ConsumerPage, description: 'Consumers, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', PageQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      const site = callerSite(c)
      return send(c, await site.resources.listConsumers(limit, cursor))
    },
  )
  .get(
    '/:siteId/consumers/:consumerId',
    route({
      summary: 'Get a consumer',
      tag: TAG,
      ok: { status: 200, schema: Consumer, description: 'The consumer' },
    }),
    valid('param', ConsumerParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).resources.getConsumer(c.req.valid('param').consumerId)),
  )
  .delete(
    '/:siteId/consumers/:consumerId',
    route({
      summary: 'Delete a consumer',
      tag: TAG,
      description:
        'Only a consumer without resources: otherwise 409 `consumer_in_use`, `details.resources` lists them.',
      ok: { status: 200, schema: Consumer, description: 'The consumer as it was' },
      errors: { 409: 'The consumer has resources, or the site is archived' },
    }),
    valid('param', ConsumerParam),
    audited('consumer.delete', 'site'),
    authorize('operator', 'site'),
    async (c) =>
      send(c, await callerSite(c).resources.deleteConsumer(c.req.valid('param').consumerId, writeOf(c))),
  )

/** `/v1/sites/{siteId}/resource-settings`: how the site's agents apply kinds of their own. */
const settingsRoutes = new Hono<AppEnv>()
  .get(
    '/:siteId/resource-settings',
    route({
      summary: "A site's resource settings",
      tag: TAG,
      ok: { status: 200, schema: ResourceSettings, description: 'The settings' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).resources.getSettings()),
  )
  .put(
    '/:siteId/resource-settings',
    route({
      summary: "Set a site's resource settings",
      tag: TAG,
      description:
        '`applier`: the command (argv) agents run for manifests of kinds they have no applier of their own for, ' +
        'such as `["kubectl","apply","--server-side","-f","-"]`: the manifest as JSON on stdin, ' +
        '`SITEWIRE_RESOURCE_ACTION` = `apply` or `delete` in its environment, JSON on stdout read as the ' +
        'observed object. `null`: such manifests report `Applied=False` (`NoApplier`). Every connected agent ' +
        'gets the settings at once.',
      ok: { status: 200, schema: ResourceSettings, description: 'The settings' },
      errors: { 409: 'The site is archived', 415: 'Body is not JSON' },
    }),
    valid('param', SiteParam),
    audited('resource_settings.update', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', ResourceSettings),
    async (c) => send(c, await callerSite(c).resources.updateSettings(c.req.valid('json'), writeOf(c))),
  )

/** A site's desired state: consumers, resources and bundles, and its resource settings. */
export const resourceRoutes = new Hono<AppEnv>()
  .route('/', settingsRoutes)
  .route('/', consumerRoutes)
  .route('/', singleRoutes)
  .route('/', bundleRoutes)
