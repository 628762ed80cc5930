import { monotonicFactory } from 'ulid'
import type {
  BatchRelation,
  CreateEntityGrantBody,
  CreateRelationBody,
  Entity,
  EntityChange,
  EntityDiff,
  EntityGrant,
  EntityListQuery,
  EntityWritten,
  ImportLine,
  ImportReport,
  InventoryWarning,
  OptionLists,
  Relation,
  RelationBatch,
  RelationListQuery,
  UpdateEntityBody,
} from '../../schema/api/inventory'
import type { LoggedEvent } from '../../schema/events'
import type { EntityLevel } from '../../schema/inventory/access'
import type { CustomFieldDefinition } from '../../schema/inventory/custom-fields'
import type { StalenessSettings } from '../../schema/inventory/discovery'
import type { EntityDefinition, EntityState } from '../../schema/inventory/entity'
import type { EntityKind } from '../../schema/inventory/kinds'
import { OPTION_LISTS, type OptionListName } from '../../schema/inventory/option-lists'
import { ApiError, apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import type { SiteFeature, SiteKernel } from '../site/feature'
import type { ImportCandidate } from './csv-import'
import { type InventoryCaller, levelOn, requireLevel, visibilityOf } from './entity-access'
import { changesEntity, diffValues, entityAt, evolveEntity } from './entity-history'
import { type EntityRow, type GrantRow, InventoryBook, type RelationRow } from './inventory-book'
import { decideInventory, type InventoryCommand, type RemoteTarget } from './inventory-decider'

const nextId = monotonicFactory()

/** An entity's events are read whole for its history; far more than any entity gathers. */
const HISTORY_LIMIT = 100_000

/** Who makes a write: the caller's access, the label the log records, and the request's key. */
export interface InventoryWrite {
  caller: InventoryCaller
  actor: string
  idempotency?: IdempotencyClaim
}

/**
 * The site's inventory (CMDB): entities of eight kinds, the relations from them, grants on
 * them, custom fields and option lists. Every change is an event naming who made it; an entity
 * is read as it was at any instant by folding its events.
 */
export class SiteInventory implements SiteFeature {
  readonly name = 'inventory'
  readonly book: InventoryBook

  constructor(private readonly kernel: SiteKernel) {
    this.book = new InventoryBook(kernel.db)
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
  }

  // Entities

  create(definition: EntityDefinition, write: InventoryWrite): Reply<EntityWritten> {
    this.kernel.scope.active()
    // Restricting an entity, or opening it, changes who reaches it: an admin's decision.
    if (definition.restricted && write.caller.siteRole !== 'admin')
      throw apiError(403, 'forbidden', 'only a site admin creates a restricted entity')
    const entityId = nextId()
    return this.decide(write, entityId, { type: 'create', entityId, definition }, 201, (warnings) => ({
      ...this.view(this.require(entityId), write.caller),
      warnings,
    }))
  }

  update(entityId: string, changes: UpdateEntityBody, write: InventoryWrite): Reply<EntityWritten> {
    this.kernel.scope.active()
    const row = this.require(entityId)
    requireLevel(this.level(row, write.caller), changes.restricted === undefined ? 'write' : 'admin')
    return this.decide(write, entityId, { type: 'update', entityId, changes }, 200, (warnings) => ({
      ...this.view(this.require(entityId), write.caller),
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
    const row = this.readable(entityId, caller)
    return { status: 200, body: this.view(row, caller) }
  }

  list(query: EntityListQuery, caller: InventoryCaller): Reply<Page<Entity>> {
    this.kernel.scope.present()
    const rows = this.book.entities(query, visibilityOf(caller), query.limit, query.cursor)
    return pageReply(rows, query.limit, (row) => this.view(row, caller))
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

  // History

  /** The entity's changes, oldest first: who made each, when. */
  changes(entityId: string, caller: InventoryCaller): Reply<{ items: EntityChange[] }> {
    this.kernel.scope.present()
    this.readable(entityId, caller)
    let state: EntityState | undefined
    const items = this.history(entityId).map((event) => {
      state = evolveEntity(state, event)
      return {
        seq: event.seq,
        type: event.type,
        time: event.time,
        actor: String(event.actor ?? 'unknown'),
        version: state?.version ?? 0,
      }
    })
    return { status: 200, body: { items } }
  }

  /** The entity as it was at an instant; 404 if it did not exist yet. */
  at(entityId: string, at: string, caller: InventoryCaller): Reply<Entity> {
    this.kernel.scope.present()
    const row = this.readable(entityId, caller)
    const state = entityAt(this.history(entityId), Date.parse(at))
    if (!state) throw apiError(404, 'not_found', 'the entity did not exist at that instant')
    return { status: 200, body: this.stateView(entityId, state, this.level(row, caller) ?? 'read') }
  }

  /** What changed in the entity between two instants, field by field. */
  diff(entityId: string, from: string, to: string, caller: InventoryCaller): Reply<EntityDiff> {
    this.kernel.scope.present()
    const row = this.readable(entityId, caller)
    const level = this.level(row, caller) ?? 'read'
    const events = this.history(entityId)
    const view = (state: EntityState | undefined) => (state ? this.stateView(entityId, state, level) : null)
    const before = view(entityAt(events, Date.parse(from)))
    const after = view(entityAt(events, Date.parse(to)))
    const comparable = (entity: Entity | null) =>
      entity && {
        name: entity.name,
        team_id: entity.team_id,
        attributes: entity.attributes,
        tags: entity.tags,
        custom_fields: entity.custom_fields,
        restricted: entity.restricted,
        active: entity.active,
      }
    return {
      status: 200,
      body: { from: before, to: after, changes: diffValues(comparable(before), comparable(after)) },
    }
  }

  // Relations

  relate(
    input: CreateRelationBody,
    remote: RemoteTarget | undefined,
    write: InventoryWrite,
  ): Reply<Relation> {
    const site = this.kernel.scope.active()
    requireLevel(this.levelOf(input.from_id, write.caller), 'write')
    if ((input.to_site_id ?? site.id) === site.id)
      requireLevel(this.levelOf(input.to_id, write.caller), 'read')
    const relationId = nextId()
    return this.decide(
      write,
      input.from_id,
      { type: 'relate', relationId, siteId: site.id, input, remote },
      201,
      () => this.relationView(this.requireRelation(relationId)),
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
          requireLevel(this.levelOf(input.from_id, write.caller), 'write')
          requireLevel(this.levelOf(input.to_id, write.caller), 'read')
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
    const relation = this.requireRelation(relationId)
    requireLevel(this.levelOf(relation.fromId, write.caller), 'write')
    const before = this.relationView(relation)
    return this.decide(write, relation.fromId, { type: 'unrelate', relationId }, 200, () => before)
  }

  relations(query: RelationListQuery, caller: InventoryCaller): Reply<Page<Relation>> {
    this.kernel.scope.present()
    if (query.entity_id) this.readable(query.entity_id, caller)
    const rows = this.book.relations(
      { entityId: query.entity_id, type: query.type },
      visibilityOf(caller),
      query.limit,
      query.cursor,
    )
    return pageReply(rows, query.limit, (row) => this.relationView(row))
  }

  // Grants

  grants(entityId: string, caller: InventoryCaller): Reply<{ items: EntityGrant[] }> {
    this.kernel.scope.present()
    requireLevel(this.levelOf(entityId, caller), 'admin')
    return { status: 200, body: { items: this.book.grants(entityId).map(grantView) } }
  }

  grant(entityId: string, input: CreateEntityGrantBody, write: InventoryWrite): Reply<EntityGrant> {
    this.kernel.scope.active()
    requireLevel(this.levelOf(entityId, write.caller), 'admin')
    const command: InventoryCommand = { type: 'grant', grantId: nextId(), entityId, ...input }
    return this.decide(write, entityId, command, 201, () => {
      const row = this.book
        .grants(entityId)
        .find((grant) => grant.subjectType === input.subject.type && grant.subjectId === input.subject.id)
      if (!row) throw new Error('a grant left no row')
      return grantView(row)
    })
  }

  revoke(entityId: string, grantId: string, write: InventoryWrite): Reply<EntityGrant> {
    this.kernel.scope.active()
    requireLevel(this.levelOf(entityId, write.caller), 'admin')
    const before = this.book.grants(entityId).find((grant) => grant.id === grantId)
    if (!before) throw apiError(404, 'not_found', 'grant not found')
    return this.decide(write, entityId, { type: 'revoke', entityId, grantId }, 200, () => grantView(before))
  }

  // Custom fields and option lists: the site's admins configure them (the routes ask for the role).

  defineField(field: CustomFieldDefinition, write: InventoryWrite): Reply<CustomFieldDefinition> {
    const site = this.kernel.scope.active()
    return this.decide(write, site.id, { type: 'define_field', field }, 200, () => field)
  }

  removeField(kind: EntityKind, name: string, write: InventoryWrite): Reply<CustomFieldDefinition> {
    const site = this.kernel.scope.active()
    const before = this.book.customFields(kind).find((field) => field.name === name)
    return this.decide(write, site.id, { type: 'remove_field', kind, name }, 200, () => {
      if (!before) throw new Error('a removed custom field was not there')
      return before
    })
  }

  fields(): Reply<{ items: CustomFieldDefinition[] }> {
    this.kernel.scope.present()
    return { status: 200, body: { items: this.book.allCustomFields() } }
  }

  setOptions(list: OptionListName, values: string[], write: InventoryWrite): Reply<OptionLists> {
    const site = this.kernel.scope.active()
    return this.decide(write, site.id, { type: 'set_options', list, values }, 200, () => this.optionLists())
  }

  options(): Reply<OptionLists> {
    this.kernel.scope.present()
    return { status: 200, body: this.optionLists() }
  }

  // Discovery settings: the site's admins set them (the routes ask for the role).

  setDiscoverySettings(settings: StalenessSettings, write: InventoryWrite): Reply<StalenessSettings> {
    const site = this.kernel.scope.active()
    return this.decide(write, site.id, { type: 'set_discovery_settings', settings }, 200, () =>
      this.book.stalenessSettings(),
    )
  }

  discoverySettings(): Reply<StalenessSettings> {
    this.kernel.scope.present()
    return { status: 200, body: this.book.stalenessSettings() }
  }

  // Internals

  /** The one write path: decided once the write is known not to be a repeat; its warnings go in the answer. */
  private decide<T>(
    write: InventoryWrite,
    subject: string,
    command: InventoryCommand,
    status: 200 | 201,
    answer: (warnings: InventoryWarning[]) => T,
  ): Reply<T> {
    let warnings: InventoryWarning[] = []
    return this.kernel.write(
      write.idempotency,
      { subject, actor: write.actor },
      () => {
        const decision = decideInventory(this.book, command)
        warnings = decision.warnings
        return decision.events
      },
      () => ({ status, body: answer(warnings) }),
    )
  }

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
    requireLevel(this.levelOf(entityId, write.caller), 'admin')
    return this.decide(write, entityId, command, 200, () => this.view(this.require(entityId), write.caller))
  }

  private history(entityId: string): LoggedEvent[] {
    return this.kernel.log
      .readHistory(entityId, 0, HISTORY_LIMIT)
      .filter((event) => changesEntity(event.type))
  }

  private require(entityId: string): EntityRow {
    const row = this.book.row(entityId)
    if (!row) throw apiError(404, 'not_found', 'entity not found')
    return row
  }

  private requireRelation(relationId: string): RelationRow {
    const row = this.book.relation(relationId)
    if (!row) throw apiError(404, 'not_found', 'relation not found')
    return row
  }

  /** The entity, when the caller may read it; else 404, as if it did not exist. */
  private readable(entityId: string, caller: InventoryCaller): EntityRow {
    const row = this.require(entityId)
    requireLevel(this.level(row, caller), 'read')
    return row
  }

  private level(row: EntityRow, caller: InventoryCaller): EntityLevel | null {
    return levelOn(caller, row, caller.siteRole === 'admin' ? [] : this.book.grants(row.id))
  }

  /** The caller's level on an entity of this site; null when it is not here or not readable. */
  private levelOf(entityId: string, caller: InventoryCaller): EntityLevel | null {
    const row = this.book.row(entityId)
    return row ? this.level(row, caller) : null
  }

  private view(row: EntityRow, caller: InventoryCaller): Entity {
    return this.stateView(
      row.id,
      {
        definition: row.definition,
        active: row.active,
        created_at: row.createdAt,
        created_by: row.createdBy,
        updated_at: row.updatedAt,
        updated_by: row.updatedBy,
        version: row.version,
      },
      this.level(row, caller) ?? 'read',
      { field_sources: row.fieldSources, last_seen_at: row.lastSeenAt, stale: row.stale },
    )
  }

  private stateView(
    entityId: string,
    state: EntityState,
    access: EntityLevel,
    discovery: Pick<Entity, 'field_sources' | 'last_seen_at' | 'stale'> = {
      field_sources: {},
      last_seen_at: null,
      stale: false,
    },
  ): Entity {
    const { definition } = state
    return {
      id: entityId,
      site_id: this.kernel.scope.present().id,
      kind: definition.kind,
      name: definition.name,
      team_id: definition.team_id,
      attributes: definition.attributes as Record<string, unknown>,
      tags: definition.tags,
      custom_fields: definition.custom_fields,
      restricted: definition.restricted,
      active: state.active,
      version: state.version,
      created_at: state.created_at,
      created_by: state.created_by,
      updated_at: state.updated_at,
      updated_by: state.updated_by,
      access,
      ...discovery,
    }
  }

  private relationView(row: RelationRow): Relation {
    return {
      id: row.id,
      site_id: this.kernel.scope.present().id,
      type: row.type,
      from_id: row.fromId,
      from_kind: row.fromKind,
      to_id: row.toId,
      to_kind: row.toKind,
      to_site_id: row.toSiteId,
      created_at: row.createdAt,
      created_by: row.createdBy,
    }
  }

  private optionLists(): OptionLists {
    return Object.fromEntries(OPTION_LISTS.map((list) => [list, this.book.options(list)])) as OptionLists
  }
}

const grantView = (row: GrantRow): EntityGrant => ({
  id: row.id,
  entity_id: row.entityId,
  subject: { type: row.subjectType, id: row.subjectId },
  level: row.level,
  created_at: row.createdAt,
  created_by: row.createdBy,
})
