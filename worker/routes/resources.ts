import { Hono } from 'hono'
import * as v from 'valibot'
import {
  Consumer,
  ConsumerPage,
  CreateBundleBody,
  CreateConsumerBody,
  CreateResourceBody,
  ListResourcesQuery,
  Resource,
  ResourceBundle,
  ResourceBundlePage,
  ResourcePage,
  StatusHistoryPage,
  UpdateBundleBody,
  UpdateResourceBody,
} from '../../schema/api/resources'
import { PageQuery, Ulid } from '../../schema/common'
import { ResourceSettings } from '../../schema/resources/resource'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { siteFor } from '../objects'
import { bundleSpec, resourceSpec } from '../resources/resource-spec'
import { SiteParam } from './sites'

const TAG = 'Resources'
const ConsumerParam = v.object({ siteId: Ulid, consumerId: Ulid })
const ResourceParam = v.object({ siteId: Ulid, resourceId: Ulid })
const WRITE_ERRORS = {
  409: 'The site is archived, or `version` is not the current one (`version_conflict`)',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'The consumer (or agent) named does not exist in the site',
}

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
    async (c) =>
      send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).resources.createConsumer(
          c.req.valid('json'),
          writeOf(c),
        ),
      ),
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
      const site = siteFor(c.env, c.req.valid('param').siteId, c.var.caller)
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
    async (c) => {
      const { siteId, consumerId } = c.req.valid('param')
      return send(c, await siteFor(c.env, siteId, c.var.caller).resources.getConsumer(consumerId))
    },
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
    async (c) => {
      const { siteId, consumerId } = c.req.valid('param')
      return send(
        c,
        await siteFor(c.env, siteId, c.var.caller).resources.deleteConsumer(consumerId, writeOf(c)),
      )
    },
  )

/** `/v1/sites/{siteId}/resources`: single manifests kept true by a consumer's agents. */
const singleRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/resources',
    route({
      summary: 'Create a resource',
      tag: TAG,
      description:
        'One manifest for a consumer, version 1. Built-in kinds: `File`, `Directory`, `Process`, `Check`; other ' +
        'kinds go to the site’s applier command, and without one report `Applied=False` (`NoApplier`).',
      ok: { status: 201, schema: Resource, description: 'The resource' },
      errors: WRITE_ERRORS,
    }),
    valid('param', SiteParam),
    audited('resource.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateResourceBody),
    async (c) => {
      const { consumer_id, ...body } = c.req.valid('json')
      const site = siteFor(c.env, c.req.valid('param').siteId, c.var.caller)
      return send(c, await site.resources.create('single', consumer_id, resourceSpec(body), writeOf(c)))
    },
  )
  .get(
    '/:siteId/resources',
    route({
      summary: "List a site's resources",
      tag: TAG,
      description: '`consumer_id` keeps one consumer’s.',
      ok: { status: 200, schema: ResourcePage, description: 'Resources, oldest first, with their status' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListResourcesQuery),
    async (c) =>
      send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).resources.list(
          'single',
          c.req.valid('query'),
        ),
      ),
  )
  .get(
    '/:siteId/resources/:resourceId',
    route({
      summary: 'Get a resource',
      tag: TAG,
      ok: {
        status: 200,
        schema: Resource,
        description: 'The resource, latest version, and what each agent reported',
      },
    }),
    valid('param', ResourceParam),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, resourceId } = c.req.valid('param')
      return send(c, await siteFor(c.env, siteId, c.var.caller).resources.get('single', resourceId))
    },
  )
  .patch(
    '/:siteId/resources/:resourceId',
    route({
      summary: 'Change a resource',
      tag: TAG,
      description:
        '`version` names the version the change replaces; a stale one is 409 `version_conflict` with ' +
        '`details.current_version`. Fields given replace the stored ones; the result is the next version.',
      ok: { status: 200, schema: Resource, description: 'The resource, new version' },
      errors: WRITE_ERRORS,
    }),
    valid('param', ResourceParam),
    audited('resource.update', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', UpdateResourceBody),
    async (c) => {
      const { siteId, resourceId } = c.req.valid('param')
      const { version, ...patch } = c.req.valid('json')
      const site = siteFor(c.env, siteId, c.var.caller)
      return send(c, await site.resources.update('single', resourceId, version, patch, writeOf(c)))
    },
  )
  .delete(
    '/:siteId/resources/:resourceId',
    route({
      summary: 'Delete a resource',
      tag: TAG,
      description:
        '`Foreground`: the agents remove it from their hosts, and it is gone once they report so. `Orphan`: it ' +
        'stops being managed and stays on the hosts.',
      ok: { status: 200, schema: Resource, description: 'The resource, `deleting`' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', ResourceParam),
    audited('resource.delete', 'site'),
    authorize('operator', 'site'),
    async (c) => {
      const { siteId, resourceId } = c.req.valid('param')
      return send(
        c,
        await siteFor(c.env, siteId, c.var.caller).resources.delete('single', resourceId, writeOf(c)),
      )
    },
  )
  .get(
    '/:siteId/resources/:resourceId/status-history',
    route({
      summary: "A resource's status history",
      tag: TAG,
      description: 'Every status report its agents made (drift repaired, conditions changed), newest first.',
      ok: { status: 200, schema: StatusHistoryPage, description: 'Reports, newest first' },
    }),
    valid('param', ResourceParam),
    authorize('viewer', 'site'),
    valid('query', PageQuery),
    async (c) => {
      const { siteId, resourceId } = c.req.valid('param')
      const { limit, cursor } = c.req.valid('query')
      return send(c, await siteFor(c.env, siteId, c.var.caller).resources.history(resourceId, limit, cursor))
    },
  )

/** `/v1/sites/{siteId}/resource-bundles`: several manifests applied and reported as one unit. */
const bundleRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/resource-bundles',
    route({
      summary: 'Create a resource bundle',
      tag: TAG,
      description: 'Several manifests for a consumer; `manifest_configs[i]` configures `manifests[i]`.',
      ok: { status: 201, schema: ResourceBundle, description: 'The bundle' },
      errors: WRITE_ERRORS,
    }),
    valid('param', SiteParam),
    audited('resource_bundle.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateBundleBody),
    async (c) => {
      const { consumer_id, ...body } = c.req.valid('json')
      const site = siteFor(c.env, c.req.valid('param').siteId, c.var.caller)
      return send(c, await site.resources.create('bundle', consumer_id, bundleSpec(body), writeOf(c)))
    },
  )
  .get(
    '/:siteId/resource-bundles',
    route({
      summary: "List a site's resource bundles",
      tag: TAG,
      ok: {
        status: 200,
        schema: ResourceBundlePage,
        description: 'Bundles, oldest first, with their status',
      },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListResourcesQuery),
    async (c) =>
      send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).resources.list(
          'bundle',
          c.req.valid('query'),
        ),
      ),
  )
  .get(
    '/:siteId/resource-bundles/:resourceId',
    route({
      summary: 'Get a resource bundle',
      tag: TAG,
      ok: { status: 200, schema: ResourceBundle, description: 'The bundle' },
    }),
    valid('param', ResourceParam),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, resourceId } = c.req.valid('param')
      return send(c, await siteFor(c.env, siteId, c.var.caller).resources.get('bundle', resourceId))
    },
  )
  .patch(
    '/:siteId/resource-bundles/:resourceId',
    route({
      summary: 'Change a resource bundle',
      tag: TAG,
      description: '`version` names the version the change replaces; a stale one is 409 `version_conflict`.',
      ok: { status: 200, schema: ResourceBundle, description: 'The bundle, new version' },
      errors: WRITE_ERRORS,
    }),
    valid('param', ResourceParam),
    audited('resource_bundle.update', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', UpdateBundleBody),
    async (c) => {
      const { siteId, resourceId } = c.req.valid('param')
      const { version, ...patch } = c.req.valid('json')
      const site = siteFor(c.env, siteId, c.var.caller)
      return send(c, await site.resources.update('bundle', resourceId, version, patch, writeOf(c)))
    },
  )
  .delete(
    '/:siteId/resource-bundles/:resourceId',
    route({
      summary: 'Delete a resource bundle',
      tag: TAG,
      ok: { status: 200, schema: ResourceBundle, description: 'The bundle, `deleting`' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', ResourceParam),
    audited('resource_bundle.delete', 'site'),
    authorize('operator', 'site'),
    async (c) => {
      const { siteId, resourceId } = c.req.valid('param')
      return send(
        c,
        await siteFor(c.env, siteId, c.var.caller).resources.delete('bundle', resourceId, writeOf(c)),
      )
    },
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
    async (c) =>
      send(c, await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).resources.getSettings()),
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
    async (c) =>
      send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).resources.updateSettings(
          c.req.valid('json'),
          writeOf(c),
        ),
      ),
  )

/** A site's desired state: consumers, resources and bundles, and its resource settings. */
export const resourceRoutes = new Hono<AppEnv>()
  .route('/', settingsRoutes)
  .route('/', consumerRoutes)
  .route('/', singleRoutes)
  .route('/', bundleRoutes)
