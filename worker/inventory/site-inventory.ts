import { monotonicFactory } from 'ulid'
import type {
  Entity,
  EntityListQuery,
  EntityWritten,
  ImportLine,
  ImportReport,
  UpdateEntityBody,
} from '../../schema/api/inventory'
import type { LoggedEvent } from '../../schema/events'
import type { EntityDefinition } from '../../schema/inventory/entity'
import { ApiError, apiError } from '../http/errors'
import type { Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import type { SiteFeature, SiteKernel } from '../site/feature'
import type { ImportCandidate } from './csv-import'
import { type InventoryCaller, requireLevel, visibilityOf } from './entity-access'
import { EntityTimeline } from './entity-timeline'
import { InventoryBook } from './inventory-book'
import { decideInventory, type InventoryCommand } from './inventory-decider'
import { InventoryFold } from './inventory-fold'
import { InventoryLinks } from './inventory-links'
import { InventoryLists } from './inventory-lists'
import { InventoryReads } from './inventory-reads'
import { InventorySettings } from './inventory-settings'
import { type InventoryWrite, InventoryWriter } from './inventory-write'

const nextId = monotonicFactory()

/**
 * The site's inventory (CMDB): entities of eight kinds, the relations from them, grants on
 * them, custom fields and option lists. Every change is an event naming who made it; an entity
 * is read as it was at any instant by folding its events. This class holds the entities
 * themselves; their history, their links and the site's settings are parts of their own.
 */
export class SiteInventory implements SiteFeature {
  readonly name = 'inventory'
  readonly book: InventoryBook
  /** Each entity through time. */
  readonly timeline: EntityTimeline
  /** Relations between entities, and grants on them. */
  readonly links: InventoryLinks
  /** Custom fields, option lists and discovery settings. */
  readonly settings: InventorySettings
  /** The entities and relations as callers may reach them, and their views. */
  private readonly reads: InventoryReads
  private readonly fold: InventoryFold
  private readonly lists: InventoryLists
  private readonly writer: InventoryWriter

  constructor(private readonly kernel: SiteKernel) {
    this.book = new InventoryBook(kernel.db)
    this.fold = new InventoryFold(kernel.db)
    this.lists = new InventoryLists(kernel.db)
    this.reads = new InventoryReads(kernel, this.book)
    this.writer = new InventoryWriter(kernel, this.book)
    this.timeline = new EntityTimeline(kernel, this.reads)
    this.links = new InventoryLinks(kernel, this.book, this.lists, this.reads, this.writer)
    this.settings = new InventorySettings(kernel, this.book, this.writer)
  }

  evolve(event: LoggedEvent) {
    this.fold.apply(event)
  }

  // Entities

  create(definition: EntityDefinition, write: InventoryWrite): Reply<EntityWritten> {
    this.kernel.scope.active()
    // Restricting an entity, or opening it, changes who reaches it: an admin's decision.
    if (definition.restricted && write.caller.siteRole !== 'admin')
      throw apiError(403, 'forbidden', 'only a site admin creates a restricted entity')
    const entityId = nextId()
    return this.writer.decide(write, entityId, { type: 'create', entityId, definition }, 201, (warnings) => ({
      ...this.reads.view(this.reads.require(entityId), write.caller),
      warnings,
    }))
  }

  update(entityId: string, changes: UpdateEntityBody, write: InventoryWrite): Reply<EntityWritten> {
    this.kernel.scope.active()
    const row = this.reads.require(entityId)
    requireLevel(this.reads.level(row, write.caller), changes.restricted === undefined ? 'write' : 'admin')
    return this.writer.decide(write, entityId, { type: 'update', entityId, changes }, 200, (warnings) => ({
      ...this.reads.view(this.reads.require(entityId), write.caller),
      warnings,
    }))
  }

  /** Soft delete: the entity stays, `active` false, its history whole. */
  deactivate(entityId: string, write: InventoryWrite): Reply<Entity> {
    return this.adminChange(entityId, write, { type: 'deactivate', entityId })
  }

  restore(entityId: string, write: InventoryWrite): Reply<Entity> {
    return this.adminChange(entityId, write, { type: 'restore', entityId })
  }

  get(entityId: string, caller: InventoryCaller): Reply<Entity> {
    this.kernel.scope.present()
    const row = this.reads.readable(entityId, caller)
    return { status: 200, body: this.reads.view(row, caller) }
  }

  list(query: EntityListQuery, caller: InventoryCaller): Reply<Page<Entity>> {
    this.kernel.scope.present()
    const rows = this.lists.entities(query, visibilityOf(caller), query.limit, query.cursor)
    return pageReply(rows, query.limit, (row) => this.reads.view(row, caller))
  }

  /**
   * Creates an entity per line of an import, in one commit: every line is decided as a create
   * would be; if any fails, nothing is stored (422 with the report) unless `apply` is `valid`,
   * which stores the lines that pass.
   */
  importEntities(
    candidates: readonly ImportCandidate[],
    apply: 'all' | 'valid',
    write: InventoryWrite,
  ): Reply<ImportReport> {
    this.kernel.scope.active()
    return this.kernel.commit(write.idempotency, (time) => {
      const lines = candidates.map((candidate) => this.importLine(candidate, write.caller))
      const failed = lines.filter((line) => line.errors.length > 0).length
      const report = (applied: boolean): ImportReport => ({
        applied,
        created: applied ? lines.length - failed : 0,
        failed,
        lines: lines.map(({ events: _events, ...line }) => ({
          ...line,
          status: line.errors.length > 0 ? 'invalid' : applied ? 'created' : 'valid',
          entity_id: applied ? line.entity_id : null,
        })),
      })
      if (failed > 0 && apply === 'all')
        throw apiError(
          422,
          'import_failed',
          `${failed} of ${lines.length} lines fail; nothing was stored`,
          report(false),
        )
      return {
        events: lines.flatMap((line) =>
          line.entity_id ? this.kernel.scope.events(line.events, line.entity_id, write.actor, time) : [],
        ),
        reply: () => {
          const body = report(true)
          return { status: body.created > 0 ? 201 : 200, body }
        },
      }
    })
  }

  // Internals

  private importLine(candidate: ImportCandidate, caller: InventoryCaller) {
    const refused = (errors: ImportLine['errors']) => ({
      line: candidate.line,
      entity_id: null,
      errors,
      warnings: [],
      events: [],
    })
    if ('errors' in candidate) return refused(candidate.errors)
    if (candidate.definition.restricted && caller.siteRole !== 'admin')
      return refused([{ path: 'restricted', message: 'only a site admin creates a restricted entity' }])
    const entityId = nextId()
    try {
      const decision = decideInventory(this.book, {
        type: 'create',
        entityId,
        definition: candidate.definition,
      })
      return {
        line: candidate.line,
        entity_id: entityId,
        errors: [],
        warnings: decision.warnings,
        events: decision.events,
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      return refused(Array.isArray(error.details) ? error.details : [{ path: '', message: error.message }])
    }
  }

  private adminChange(entityId: string, write: InventoryWrite, command: InventoryCommand): Reply<Entity> {
    this.kernel.scope.active()
    requireLevel(this.reads.levelOf(entityId, write.caller), 'admin')
    return this.writer.decide(write, entityId, command, 200, () =>
      this.reads.view(this.reads.require(entityId), write.caller),
    )
  }
}
