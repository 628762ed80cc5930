import { type Context, Hono } from 'hono'
import * as v from 'valibot'
import {
  CreateEntityBody,
  CreateEntityGrantBody,
  CreateRelationBatchBody,
  CreateRelationBody,
  CustomField,
  CustomFieldList,
  DiffQuery,
  Entity,
  EntityChangeList,
  EntityDiff,
  EntityGrant,
  EntityGrantList,
  EntityListQuery,
  EntityPage,
  EntityWritten,
  HistoryQuery,
  ImportQuery,
  ImportReport,
  OptionLists,
  PutCustomFieldBody,
  PutOptionListBody,
  RELATION_BATCH_MAX,
  Relation,
  RelationBatch,
  RelationListQuery,
  RelationPage,
  UpdateEntityBody,
} from '../../schema/api/inventory'
import { Ulid } from '../../schema/common'
import { CustomFieldDefinition, CustomFieldName } from '../../schema/inventory/custom-fields'
import { StalenessSettings } from '../../schema/inventory/discovery'
import { EntityKind } from '../../schema/inventory/kinds'
import { OptionListName } from '../../schema/inventory/option-lists'
import { roleOn } from '../access/principal'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { apiError, parseOr400 } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { readImport } from '../inventory/csv-import'
import type { InventoryCaller } from '../inventory/entity-access'
import { remoteTarget } from '../inventory/remote-target'
import { siteFor } from '../objects'
import { readProjections } from '../projections/connection'
import { SiteParam } from './sites'

const EntityParam = v.object({ siteId: Ulid, entityId: Ulid })
const GrantParam = v.object({ siteId: Ulid, entityId: Ulid, grantId: Ulid })
const RelationParam = v.object({ siteId: Ulid, relationId: Ulid })
const FieldParam = v.object({ siteId: Ulid, kind: EntityKind, name: CustomFieldName })
const OptionParam = v.object({ siteId: Ulid, list: OptionListName })
const TAG = 'Inventory'
const WRITE_ERRORS = { 409: 'The site is archived', 415: 'Body is not JSON' }
const ACCESS =
  'A site admin may do anything to every entity. Otherwise the site role gives read (viewer) or write ' +
  '(operator) on entities that are not `restricted`, and grants on an entity to the user or their teams ' +
  'give read, write or admin on it; an entity the caller may not read answers 404.'

/** Who calls, for the entity-level checks the site makes: their role on the site, user and teams. */
const inventoryCaller = (c: Context<AppEnv>, siteId: string): InventoryCaller => {
  const { principal } = c.var
  const siteRole = roleOn(principal, siteId)
  if (siteRole === null) throw apiError(404, 'not_found', 'site not found')
  return {
    userId: principal.actor.type === 'user' ? principal.actor.id : null,
    teams: principal.teams,
    siteRole,
  }
}

const inventoryOf = (c: Context<AppEnv>, siteId: string) => siteFor(c.env, siteId, c.var.caller).inventory

/** `/v1/sites/{siteId}/inventory/…`: the site's entities, their relations, grants, custom fields and option lists. */
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
    async (c) => {
      const { siteId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).create(c.req.valid('json'), inventoryCaller(c, siteId), writeOf(c)),
      )
    },
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
      const { siteId } = c.req.valid('param')
      const { kind, apply } = c.req.valid('query')
      const candidates = readImport(await c.req.text(), kind)
      return send(
        c,
        await inventoryOf(c, siteId).importEntities(
          candidates,
          apply,
          inventoryCaller(c, siteId),
          writeOf(c),
        ),
      )
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
    async (c) => {
      const { siteId } = c.req.valid('param')
      return send(c, await inventoryOf(c, siteId).list(c.req.valid('query'), inventoryCaller(c, siteId)))
    },
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
    async (c) => {
      const { siteId, entityId } = c.req.valid('param')
      return send(c, await inventoryOf(c, siteId).get(entityId, inventoryCaller(c, siteId)))
    },
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
    async (c) => {
      const { siteId, entityId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).update(
          entityId,
          c.req.valid('json'),
          inventoryCaller(c, siteId),
          writeOf(c),
        ),
      )
    },
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
    async (c) => {
      const { siteId, entityId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).deactivate(entityId, inventoryCaller(c, siteId), writeOf(c)),
      )
    },
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
    async (c) => {
      const { siteId, entityId } = c.req.valid('param')
      return send(c, await inventoryOf(c, siteId).restore(entityId, inventoryCaller(c, siteId), writeOf(c)))
    },
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
      const { siteId, entityId } = c.req.valid('param')
      const { at } = c.req.valid('query')
      const inventory = inventoryOf(c, siteId)
      const caller = inventoryCaller(c, siteId)
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
      const { siteId, entityId } = c.req.valid('param')
      const { from, to } = c.req.valid('query')
      return send(c, await inventoryOf(c, siteId).diff(entityId, from, to, inventoryCaller(c, siteId)))
    },
  )
  .get(
    '/:siteId/inventory/entities/:entityId/grants',
    route({
      summary: "An entity's grants",
      tag: TAG,
      description: 'Needs admin on the entity.',
      ok: { status: 200, schema: EntityGrantList, description: 'Grants' },
    }),
    valid('param', EntityParam),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, entityId } = c.req.valid('param')
      return send(c, await inventoryOf(c, siteId).grants(entityId, inventoryCaller(c, siteId)))
    },
  )
  .post(
    '/:siteId/inventory/entities/:entityId/grants',
    route({
      summary: 'Grant a level on an entity',
      tag: TAG,
      description:
        'read, write or admin on this entity for a user or a team; a new grant to the same subject replaces it. Needs admin on the entity.',
      ok: { status: 201, schema: EntityGrant, description: 'The grant' },
      errors: WRITE_ERRORS,
    }),
    valid('param', EntityParam),
    audited('inventory.entity.grant', 'site'),
    authorize('viewer', 'site'),
    requireJson,
    valid('json', CreateEntityGrantBody),
    async (c) => {
      const { siteId, entityId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).grant(
          entityId,
          c.req.valid('json'),
          inventoryCaller(c, siteId),
          writeOf(c),
        ),
      )
    },
  )
  .delete(
    '/:siteId/inventory/entities/:entityId/grants/:grantId',
    route({
      summary: 'Revoke a grant on an entity',
      tag: TAG,
      description: 'Needs admin on the entity.',
      ok: { status: 200, schema: EntityGrant, description: 'The grant as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', GrantParam),
    audited('inventory.entity.revoke', 'site'),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, entityId, grantId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).revoke(entityId, grantId, inventoryCaller(c, siteId), writeOf(c)),
      )
    },
  )
  .post(
    '/:siteId/inventory/relations',
    route({
      summary: 'Relate two entities',
      tag: TAG,
      description:
        'Stored in this site, the site of its source (`from_id`), which needs write from the caller. Each type ' +
        'joins given kinds: runs_on (application, database, service → server), depends_on, member_of (→ system), ' +
        'balances (load_balancer → server, application), located_in (→ datacenter), owned_by (system, application ' +
        '→ client). A target in this site is checked against its state; one in another site (`to_site_id`) ' +
        'against the tenant-wide projection, which follows the sites a moment behind.',
      ok: { status: 201, schema: Relation, description: 'The relation' },
      errors: { ...WRITE_ERRORS, 409: 'The site is archived, or the entities are already related this way' },
    }),
    valid('param', SiteParam),
    audited('inventory.relation.create', 'site'),
    authorize('viewer', 'site'),
    requireJson,
    valid('json', CreateRelationBody),
    async (c) => {
      const { siteId } = c.req.valid('param')
      const input = c.req.valid('json')
      const elsewhere =
        input.to_site_id !== undefined && input.to_site_id !== siteId ? input.to_site_id : undefined
      const remote = elsewhere
        ? await readProjections(c.env, (db) => remoteTarget(db, c.var.principal, elsewhere, input.to_id))
        : undefined
      return send(
        c,
        await inventoryOf(c, siteId).relate(input, remote, inventoryCaller(c, siteId), writeOf(c)),
      )
    },
  )
  .post(
    '/:siteId/inventory/relations/batch',
    route({
      summary: 'Relate many pairs of entities',
      tag: TAG,
      description:
        `Up to ${RELATION_BATCH_MAX} relations between entities of this site, in one write: each is checked as a single ` +
        'relation is (write on its source, read on its target, the kinds its type joins, not already related), ' +
        'and a pair named twice is refused. If any fails nothing is stored (422 `relations_failed`, a detail per ' +
        'failing relation by its index). A target in another site is related one at a time.',
      ok: { status: 201, schema: RelationBatch, description: "The relations' ids, in the order given" },
      errors: { ...WRITE_ERRORS, 422: 'A relation fails (`relations_failed`)' },
    }),
    valid('param', SiteParam),
    audited('inventory.relation.batch', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateRelationBatchBody),
    async (c) => {
      const { siteId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).relateMany(
          c.req.valid('json').relations,
          inventoryCaller(c, siteId),
          writeOf(c),
        ),
      )
    },
  )
  .get(
    '/:siteId/inventory/relations',
    route({
      summary: "List a site's relations",
      tag: TAG,
      description: 'Those from or to `entity_id`, of a `type`; only those whose source the caller may read.',
      ok: { status: 200, schema: RelationPage, description: 'Relations, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', RelationListQuery),
    async (c) => {
      const { siteId } = c.req.valid('param')
      return send(c, await inventoryOf(c, siteId).relations(c.req.valid('query'), inventoryCaller(c, siteId)))
    },
  )
  .delete(
    '/:siteId/inventory/relations/:relationId',
    route({
      summary: 'Remove a relation',
      tag: TAG,
      description: 'Needs write on its source.',
      ok: { status: 200, schema: Relation, description: 'The relation as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', RelationParam),
    audited('inventory.relation.delete', 'site'),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, relationId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).unrelate(relationId, inventoryCaller(c, siteId), writeOf(c)),
      )
    },
  )
  .get(
    '/:siteId/inventory/custom-fields',
    route({
      summary: "A site's custom fields",
      tag: TAG,
      ok: { status: 200, schema: CustomFieldList, description: 'Definitions, by kind and name' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await inventoryOf(c, c.req.valid('param').siteId).fields()),
  )
  .put(
    '/:siteId/inventory/custom-fields/:kind/:name',
    route({
      summary: 'Define a custom field',
      tag: TAG,
      description:
        'A field of one kind: text, integer, boolean, date, url, select or multi_select (with `choices`), ' +
        'optionally `required`; entities are checked against it on every write that names it, and required ' +
        'ones on every write.',
      ok: { status: 200, schema: CustomField, description: 'The definition' },
      errors: WRITE_ERRORS,
    }),
    valid('param', FieldParam),
    audited('inventory.custom_field.define', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', PutCustomFieldBody),
    async (c) => {
      const { siteId, kind, name } = c.req.valid('param')
      const field = parseOr400(CustomFieldDefinition, { ...c.req.valid('json'), kind, name }, 'body')
      return send(c, await inventoryOf(c, siteId).defineField(field, inventoryCaller(c, siteId), writeOf(c)))
    },
  )
  .delete(
    '/:siteId/inventory/custom-fields/:kind/:name',
    route({
      summary: 'Remove a custom field',
      tag: TAG,
      description: 'Values entities hold stay as they were written.',
      ok: { status: 200, schema: CustomField, description: 'The definition as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', FieldParam),
    audited('inventory.custom_field.remove', 'site'),
    authorize('admin', 'site'),
    async (c) => {
      const { siteId, kind, name } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).removeField(kind, name, inventoryCaller(c, siteId), writeOf(c)),
      )
    },
  )
  .get(
    '/:siteId/inventory/options',
    route({
      summary: "A site's option lists",
      tag: TAG,
      ok: { status: 200, schema: OptionLists, description: 'Every list, empty where not configured' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await inventoryOf(c, c.req.valid('param').siteId).options()),
  )
  .put(
    '/:siteId/inventory/options/:list',
    route({
      summary: 'Set an option list',
      tag: TAG,
      description:
        'environments, service_families, regions or zones: once a list has values, the field it governs ' +
        '(environment, family, region, zone) takes only those on later writes; an empty list frees it.',
      ok: { status: 200, schema: OptionLists, description: 'Every list' },
      errors: WRITE_ERRORS,
    }),
    valid('param', OptionParam),
    audited('inventory.option_list.set', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', PutOptionListBody),
    async (c) => {
      const { siteId, list } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).setOptions(
          list,
          c.req.valid('json').values,
          inventoryCaller(c, siteId),
          writeOf(c),
        ),
      )
    },
  )
  .get(
    '/:siteId/inventory/discovery-settings',
    route({
      summary: "A site's discovery settings",
      tag: TAG,
      description:
        'How many days an entity no discovery source has seen stays as it is before it is marked stale, ' +
        'and before it is deactivated (defaults 7 and 30).',
      ok: { status: 200, schema: StalenessSettings, description: 'The settings in force' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await inventoryOf(c, c.req.valid('param').siteId).discoverySettings()),
  )
  .put(
    '/:siteId/inventory/discovery-settings',
    route({
      summary: "Set a site's discovery settings",
      tag: TAG,
      description: '`inactive_after_days` must be more than `stale_after_days`; both from 1 to 3650.',
      ok: { status: 200, schema: StalenessSettings, description: 'The settings in force' },
      errors: WRITE_ERRORS,
    }),
    valid('param', SiteParam),
    audited('inventory.discovery_settings.set', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', StalenessSettings),
    async (c) => {
      const { siteId } = c.req.valid('param')
      return send(
        c,
        await inventoryOf(c, siteId).setDiscoverySettings(
          c.req.valid('json'),
          inventoryCaller(c, siteId),
          writeOf(c),
        ),
      )
    },
  )
