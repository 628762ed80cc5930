import { Hono } from 'hono'
import * as v from 'valibot'
import {
  CreateEntityBody,
  DiffQuery,
  Entity,
  EntityChangeList,
  EntityDiff,
  EntityListQuery,
  EntityPage,
  EntityWritten,
  HistoryQuery,
  ImportQuery,
  ImportReport,
  UpdateEntityBody,
} from '../../schema/api/inventory'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { readImport } from '../inventory/csv-import'
import {
  ACCESS,
  EntityParam,
  inventoryCaller,
  inventoryOf,
  INVENTORY_TAG as TAG,
  WRITE_ERRORS,
} from './inventory-route-support'
import { SiteParam } from './sites'

/** `/v1/sites/{siteId}/inventory/entities…`: the site's entities, their import, history and diffs. */
export const inventoryRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/inventory/entities',
    route({
      summary: 'Create an entity',
      tag: TAG,
      description:
        'One of eight kinds (server, application, database, datacenter, load_balancer, system, client, ' +
        "service) with its own `attributes`; `custom_fields` are checked against the kind's definitions, and " +
        'fields governed by a configured option list (environment, family, region, zone) against it. Another ' +
        'server of the same team with the same hostname or address is accepted, with a warning.',
      ok: { status: 201, schema: EntityWritten, description: 'The entity, and warnings' },
      errors: WRITE_ERRORS,
    }),
    valid('param', SiteParam),
    audited('inventory.entity.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateEntityBody),
    async (c) => send(c, await inventoryOf(c).create(c.req.valid('json'), inventoryCaller(c), writeOf(c))),
  )
  .post(
    '/:siteId/inventory/import',
    route({
      summary: 'Import entities from CSV',
      tag: TAG,
      description:
        'A `text/csv` body (RFC 4180) of entities of one `kind`: a header naming `name`, `team_id`, `tags` ' +
        '(separated by `;`), `restricted`, `attributes.…` and `custom_fields.…`; cells that read as JSON ' +
        '(`4096`, `true`, `["10.0.0.1"]`) are taken as such. Every line is checked as a create would be, and the ' +
        'answer reports each line. If any line fails nothing is stored (422 `import_failed`, the report in ' +
        '`details`), unless `apply=valid`, which stores the lines that pass.',
      ok: { status: 201, schema: ImportReport, description: 'What became of each line' },
      errors: { 409: 'The site is archived', 415: 'Body is not CSV', 422: 'A line fails (`import_failed`)' },
    }),
    valid('param', SiteParam),
    audited('inventory.entity.import', 'site'),
    authorize('operator', 'site'),
    valid('query', ImportQuery),
    async (c) => {
      if (!/^text\/csv\s*(;|$)/i.test(c.req.header('content-type') ?? ''))
        throw apiError(415, 'unsupported_media_type', 'send the entities as text/csv')
      const { kind, apply } = c.req.valid('query')
      const candidates = readImport(await c.req.text(), kind)
      return send(c, await inventoryOf(c).importEntities(candidates, apply, inventoryCaller(c), writeOf(c)))
    },
  )
  .get(
    '/:siteId/inventory/entities',
    route({
      summary: "List a site's entities",
      tag: TAG,
      description: `Active ones unless \`active\` says otherwise, filtered by \`kind\`, \`tag\` and part of the name (\`q\`). ${ACCESS}`,
      ok: { status: 200, schema: EntityPage, description: 'Entities the caller may read, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', EntityListQuery),
    async (c) => send(c, await inventoryOf(c).list(c.req.valid('query'), inventoryCaller(c))),
  )
  .get(
    '/:siteId/inventory/entities/:entityId',
    route({
      summary: 'Get an entity',
      tag: TAG,
      description: ACCESS,
      ok: { status: 200, schema: Entity, description: 'The entity, with the caller’s `access`' },
    }),
    valid('param', EntityParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await inventoryOf(c).get(c.req.valid('param').entityId, inventoryCaller(c))),
  )
  .patch(
    '/:siteId/inventory/entities/:entityId',
    route({
      summary: 'Change an entity',
      tag: TAG,
      description:
        '`attributes` and `custom_fields` are merged key by key (`null` removes one) and the result is checked ' +
        'whole; `tags` replace the list. Needs write on the entity; changing `restricted` needs admin.',
      ok: { status: 200, schema: EntityWritten, description: 'The entity, and warnings' },
      errors: WRITE_ERRORS,
    }),
    valid('param', EntityParam),
    audited('inventory.entity.update', 'site'),
    authorize('viewer', 'site'),
    requireJson,
    valid('json', UpdateEntityBody),
    async (c) =>
      send(
        c,
        await inventoryOf(c).update(
          c.req.valid('param').entityId,
          c.req.valid('json'),
          inventoryCaller(c),
          writeOf(c),
        ),
      ),
  )
  .delete(
    '/:siteId/inventory/entities/:entityId',
    route({
      summary: 'Deactivate an entity',
      tag: TAG,
      description:
        'A soft delete: the entity stays with `active: false` and its history; restore brings it back. Needs admin on it.',
      ok: { status: 200, schema: Entity, description: 'The entity, deactivated' },
      errors: { 409: 'The site is archived, or the entity already deactivated' },
    }),
    valid('param', EntityParam),
    audited('inventory.entity.deactivate', 'site'),
    authorize('viewer', 'site'),
    async (c) =>
      send(c, await inventoryOf(c).deactivate(c.req.valid('param').entityId, inventoryCaller(c), writeOf(c))),
  )
  .post(
    '/:siteId/inventory/entities/:entityId/restore',
    route({
      summary: 'Restore an entity',
      tag: TAG,
      description: 'Needs admin on it.',
      ok: { status: 200, schema: Entity, description: 'The entity, active again' },
      errors: { 409: 'The site is archived, or the entity is active' },
    }),
    valid('param', EntityParam),
    audited('inventory.entity.restore', 'site'),
    authorize('viewer', 'site'),
    async (c) =>
      send(c, await inventoryOf(c).restore(c.req.valid('param').entityId, inventoryCaller(c), writeOf(c))),
  )
  .get(
    '/:siteId/inventory/entities/:entityId/history',
    route({
      summary: "An entity's history",
      tag: TAG,
      description:
        'Without `at`: every change, oldest first, with who made it. With `at`: the entity as it was at that ' +
        'instant, folded from its events (404 if it did not exist yet).',
      ok: {
        status: 200,
        schema: v.union([EntityChangeList, Entity]),
        description: 'Changes, or the entity then',
      },
    }),
    valid('param', EntityParam),
    authorize('viewer', 'site'),
    valid('query', HistoryQuery),
    async (c) => {
      const { entityId } = c.req.valid('param')
      const { at } = c.req.valid('query')
      const inventory = inventoryOf(c)
      const caller = inventoryCaller(c)
      return send(
        c,
        at ? await inventory.at(entityId, at, caller) : await inventory.changes(entityId, caller),
      )
    },
  )
  .get(
    '/:siteId/inventory/entities/:entityId/diff',
    route({
      summary: 'What changed in an entity between two instants',
      tag: TAG,
      description:
        'The entity at `from` and at `to` (null where it did not exist yet), and each field that differs, by dot path.',
      ok: { status: 200, schema: EntityDiff, description: 'Both states and the changes' },
    }),
    valid('param', EntityParam),
    authorize('viewer', 'site'),
    valid('query', DiffQuery),
    async (c) => {
      const { entityId } = c.req.valid('param')
      const { from, to } = c.req.valid('query')
      return send(c, await inventoryOf(c).diff(entityId, from, to, inventoryCaller(c)))
    },
  )
