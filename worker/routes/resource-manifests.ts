import { Hono } from 'hono'
import * as v from 'valibot'
import {
  CreateBundleBody,
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
import type { ResourceSpec, ResourceType } from '../../schema/resources/resource'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { bundleSpec, resourceSpec, type SpecPatch } from '../resources/resource-spec'
import { SiteParam } from './sites'

export const TAG = 'Resources'
const ResourceParam = v.object({ siteId: Ulid, resourceId: Ulid })

export const WRITE_ERRORS = {
  409: 'The site is archived, or `version` is not the current one (`version_conflict`)',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'The consumer (or agent) named does not exist in the site',
}

/** What tells single resources and bundles apart on the API: the routes are otherwise the same. */
interface ManifestKind<
  Create extends v.GenericSchema<unknown, { consumer_id: string }>,
  Update extends v.GenericSchema<unknown, { version: number } & SpecPatch>,
> {
  type: ResourceType
  /** The collection's path segment, after `/:siteId/`. */
  path: string
  noun: string
  audit: 'resource' | 'resource_bundle'
  item: v.GenericSchema
  page: v.GenericSchema
  create: Create
  update: Update
  spec: (body: v.InferOutput<Create>) => ResourceSpec
  describe: { create: string; update: string; delete?: string }
}

/** The create, list, get, change, delete and status-history routes of one kind of manifest holder. */
const manifestRoutes = <
  Create extends v.GenericSchema<unknown, { consumer_id: string }>,
  Update extends v.GenericSchema<unknown, { version: number } & SpecPatch>,
>(
  kind: ManifestKind<Create, Update>,
) => {
  const collection = `/:siteId/${kind.path}`
  const one = `${collection}/:resourceId`
  const { type, noun } = kind
  return new Hono<AppEnv>()
    .post(
      collection,
      route({
        summary: `Create a ${noun}`,
        tag: TAG,
        description: kind.describe.create,
        ok: { status: 201, schema: kind.item, description: `The ${noun}` },
        errors: WRITE_ERRORS,
      }),
      valid('param', SiteParam),
      audited(`${kind.audit}.create`, 'site'),
      authorize('operator', 'site'),
      requireJson,
      valid('json', kind.create),
      async (c) => {
        const body = c.req.valid('json')
        return send(
          c,
          await callerSite(c).resources.create(type, body.consumer_id, kind.spec(body), writeOf(c)),
        )
      },
    )
    .get(
      collection,
      route({
        summary: `List a site's ${noun}s`,
        tag: TAG,
        description: '`consumer_id` keeps one consumer’s.',
        ok: { status: 200, schema: kind.page, description: `${noun}s, oldest first, with their status` },
      }),
      valid('param', SiteParam),
      authorize('viewer', 'site'),
      valid('query', ListResourcesQuery),
      async (c) => send(c, await callerSite(c).resources.list(type, c.req.valid('query'))),
    )
    .get(
      one,
      route({
        summary: `Get a ${noun}`,
        tag: TAG,
        ok: {
          status: 200,
          schema: kind.item,
          description: `The ${noun}, latest version, and what each agent reported`,
        },
      }),
      valid('param', ResourceParam),
      authorize('viewer', 'site'),
      async (c) => send(c, await callerSite(c).resources.get(type, c.req.valid('param').resourceId)),
    )
    .patch(
      one,
      route({
        summary: `Change a ${noun}`,
        tag: TAG,
        description: kind.describe.update,
        ok: { status: 200, schema: kind.item, description: `The ${noun}, new version` },
        errors: WRITE_ERRORS,
      }),
      valid('param', ResourceParam),
      audited(`${kind.audit}.update`, 'site'),
      authorize('operator', 'site'),
      requireJson,
      valid('json', kind.update),
      async (c) => {
        const { resourceId } = c.req.valid('param')
        const { version, ...patch } = c.req.valid('json')
        return send(c, await callerSite(c).resources.update(type, resourceId, version, patch, writeOf(c)))
      },
    )
    .delete(
      one,
      route({
        summary: `Delete a ${noun}`,
        tag: TAG,
        description:
          '`Foreground`: the agents remove it from their hosts, and it is gone once they report so. `Orphan`: it ' +
          'stops being managed and stays on the hosts.',
        ok: { status: 200, schema: kind.item, description: `The ${noun}, \`deleting\`` },
        errors: { 409: 'The site is archived' },
      }),
      valid('param', ResourceParam),
      audited(`${kind.audit}.delete`, 'site'),
      authorize('operator', 'site'),
      async (c) =>
        send(c, await callerSite(c).resources.delete(type, c.req.valid('param').resourceId, writeOf(c))),
    )
    .get(
      `${one}/status-history`,
      route({
        summary: `A ${noun}'s status history`,
        tag: TAG,
        description:
          'Every status report its agents made (drift repaired, conditions changed), newest first.',
        ok: { status: 200, schema: StatusHistoryPage, description: 'Reports, newest first' },
      }),
      valid('param', ResourceParam),
      authorize('viewer', 'site'),
      valid('query', PageQuery),
      async (c) => {
        const { resourceId } = c.req.valid('param')
        const { limit, cursor } = c.req.valid('query')
        return send(c, await callerSite(c).resources.history(type, resourceId, limit, cursor))
      },
    )
}

/** `/v1/sites/{siteId}/resources`: single manifests kept true by a consumer's agents. */
export const singleRoutes = manifestRoutes({
  type: 'single',
  path: 'resources',
  noun: 'resource',
  audit: 'resource',
  item: Resource,
  page: ResourcePage,
  create: CreateResourceBody,
  update: UpdateResourceBody,
  spec: resourceSpec,
  describe: {
    create:
      'One manifest for a consumer, version 1. Built-in kinds: `File`, `Directory`, `Process`, `Check`, ' +
      '`Package`, `SystemdUnit`; other kinds go to the site’s applier command, and without one report ' +
      '`Applied=False` (`NoApplier`).',
    update:
      '`version` names the version the change replaces; a stale one is 409 `version_conflict` with ' +
      '`details.current_version`. Fields given replace the stored ones; the result is the next version.',
  },
})

/** `/v1/sites/{siteId}/resource-bundles`: several manifests applied and reported as one unit. */
export const bundleRoutes = manifestRoutes({
  type: 'bundle',
  path: 'resource-bundles',
  noun: 'resource bundle',
  audit: 'resource_bundle',
  item: ResourceBundle,
  page: ResourceBundlePage,
  create: CreateBundleBody,
  update: UpdateBundleBody,
  spec: bundleSpec,
  describe: {
    create: 'Several manifests for a consumer; `manifest_configs[i]` configures `manifests[i]`.',
    update: '`version` names the version the change replaces; a stale one is 409 `version_conflict`.',
  },
})
