import { Hono } from 'hono'
import * as v from 'valibot'
import {
  CreateEntityGrantBody,
  CreateRelationBatchBody,
  CreateRelationBody,
  EntityGrant,
  EntityGrantList,
  RELATION_BATCH_MAX,
  Relation,
  RelationBatch,
  RelationListQuery,
  RelationPage,
} from '../../schema/api/inventory'
import { Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { remoteTarget } from '../inventory/remote-target'
import { readProjections } from '../projections/connection'
import {
  EntityParam,
  inventoryCaller,
  inventoryOf,
  INVENTORY_TAG as TAG,
  WRITE_ERRORS,
} from './inventory-route-support'
import { SiteParam } from './sites'

const GrantParam = v.object({ siteId: Ulid, entityId: Ulid, grantId: Ulid })
const RelationParam = v.object({ siteId: Ulid, relationId: Ulid })

/** `/v1/sites/{siteId}/inventory/…`: grants on entities, and relations between them. */
export const inventoryLinkRoutes = new Hono<AppEnv>()
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
    async (c) => send(c, await inventoryOf(c).grants(c.req.valid('param').entityId, inventoryCaller(c))),
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
    async (c) =>
      send(
        c,
        await inventoryOf(c).grant(
          c.req.valid('param').entityId,
          c.req.valid('json'),
          inventoryCaller(c),
          writeOf(c),
        ),
      ),
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
      const { entityId, grantId } = c.req.valid('param')
      return send(c, await inventoryOf(c).revoke(entityId, grantId, inventoryCaller(c), writeOf(c)))
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
      return send(c, await inventoryOf(c).relate(input, remote, inventoryCaller(c), writeOf(c)))
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
    async (c) =>
      send(c, await inventoryOf(c).relateMany(c.req.valid('json').relations, inventoryCaller(c), writeOf(c))),
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
    async (c) => send(c, await inventoryOf(c).relations(c.req.valid('query'), inventoryCaller(c))),
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
    async (c) =>
      send(c, await inventoryOf(c).unrelate(c.req.valid('param').relationId, inventoryCaller(c), writeOf(c))),
  )
