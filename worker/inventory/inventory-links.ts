import { monotonicFactory } from 'ulid'
import type {
  BatchRelation,
  CreateEntityGrantBody,
  CreateRelationBody,
  EntityGrant,
  Relation,
  RelationBatch,
  RelationListQuery,
} from '../../schema/api/inventory'
import { ApiError, apiError } from '../http/errors'
import type { Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import type { SiteKernel } from '../site/feature'
import { type InventoryCaller, requireLevel, visibilityOf } from './entity-access'
import type { InventoryBook } from './inventory-book'
import { decideInventory, type InventoryCommand, type RemoteTarget } from './inventory-decider'
import type { InventoryLists } from './inventory-lists'
import { grantView, type InventoryReads } from './inventory-reads'
import type { InventoryWrite, InventoryWriter } from './inventory-write'

const nextId = monotonicFactory()

/** What links entities to others and to people: relations between entities, and grants on them. */
export class InventoryLinks {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: InventoryBook,
    private readonly lists: InventoryLists,
    private readonly reads: InventoryReads,
    private readonly writer: InventoryWriter,
  ) {}

  // Relations

  relate(
    input: CreateRelationBody,
    remote: RemoteTarget | undefined,
    write: InventoryWrite,
  ): Reply<Relation> {
    const site = this.kernel.scope.active()
    requireLevel(this.reads.levelOf(input.from_id, write.caller), 'write')
    if ((input.to_site_id ?? site.id) === site.id)
      requireLevel(this.reads.levelOf(input.to_id, write.caller), 'read')
    const relationId = nextId()
    return this.writer.decide(
      write,
      input.from_id,
      { type: 'relate', relationId, siteId: site.id, input, remote },
      201,
      () => this.reads.relationView(this.reads.requireRelation(relationId)),
    )
  }

  /**
   * Relates many pairs of this site's entities in one commit, each decided as `relate` would
   * decide it (and a pair named twice refused): if any fails, nothing is stored (422
   * `relations_failed`, a detail per failing relation by its index).
   */
  relateMany(inputs: readonly BatchRelation[], write: InventoryWrite): Reply<RelationBatch> {
    const site = this.kernel.scope.active()
    return this.kernel.commit(write.idempotency, (time) => {
      const named = new Set<string>()
      const problems: { path: string; message: string }[] = []
      const decided = inputs.map((input, index) => {
        const relationId = nextId()
        try {
          requireLevel(this.reads.levelOf(input.from_id, write.caller), 'write')
          requireLevel(this.reads.levelOf(input.to_id, write.caller), 'read')
          const pair = `${input.from_id} ${input.type} ${input.to_id}`
          if (named.has(pair)) throw apiError(409, 'relation_exists', 'the batch names this relation twice')
          named.add(pair)
          const { events } = decideInventory(this.book, {
            type: 'relate',
            relationId,
            siteId: site.id,
            input,
          })
          return { relationId, from: input.from_id, events }
        } catch (error) {
          if (!(error instanceof ApiError)) throw error
          problems.push({ path: `relations.${index}`, message: `${error.code}: ${error.message}` })
          return { relationId, from: input.from_id, events: [] }
        }
      })
      if (problems.length > 0)
        throw apiError(
          422,
          'relations_failed',
          `${problems.length} of ${inputs.length} relations fail; nothing was stored`,
          problems,
        )
      return {
        events: decided.flatMap((d) => this.kernel.scope.events(d.events, d.from, write.actor, time)),
        reply: () => ({
          status: 201,
          body: { created: decided.length, ids: decided.map((d) => d.relationId) },
        }),
      }
    })
  }

  unrelate(relationId: string, write: InventoryWrite): Reply<Relation> {
    this.kernel.scope.active()
    const relation = this.reads.requireRelation(relationId)
    requireLevel(this.reads.levelOf(relation.fromId, write.caller), 'write')
    const before = this.reads.relationView(relation)
    return this.writer.decide(write, relation.fromId, { type: 'unrelate', relationId }, 200, () => before)
  }

  relations(query: RelationListQuery, caller: InventoryCaller): Reply<Page<Relation>> {
    this.kernel.scope.present()
    if (query.entity_id) this.reads.readable(query.entity_id, caller)
    const rows = this.lists.relations(
      { entityId: query.entity_id, type: query.type },
      visibilityOf(caller),
      query.limit,
      query.cursor,
    )
    return pageReply(rows, query.limit, (row) => this.reads.relationView(row))
  }

  // Grants

  grants(entityId: string, caller: InventoryCaller): Reply<{ items: EntityGrant[] }> {
    this.kernel.scope.present()
    requireLevel(this.reads.levelOf(entityId, caller), 'admin')
    return { status: 200, body: { items: this.book.grants(entityId).map(grantView) } }
  }

  grant(entityId: string, input: CreateEntityGrantBody, write: InventoryWrite): Reply<EntityGrant> {
    this.kernel.scope.active()
    requireLevel(this.reads.levelOf(entityId, write.caller), 'admin')
    const command: InventoryCommand = { type: 'grant', grantId: nextId(), entityId, ...input }
    return this.writer.decide(write, entityId, command, 201, () => {
      const row = this.book
        .grants(entityId)
        .find((grant) => grant.subjectType === input.subject.type && grant.subjectId === input.subject.id)
      if (!row) throw new Error('a grant left no row')
      return grantView(row)
    })
  }

  revoke(entityId: string, grantId: string, write: InventoryWrite): Reply<EntityGrant> {
    this.kernel.scope.active()
    requireLevel(this.reads.levelOf(entityId, write.caller), 'admin')
    const before = this.book.grants(entityId).find((grant) => grant.id === grantId)
    if (!before) throw apiError(404, 'not_found', 'grant not found')
    return this.writer.decide(write, entityId, { type: 'revoke', entityId, grantId }, 200, () =>
      grantView(before),
    )
  }
}
