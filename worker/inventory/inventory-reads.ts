import type { Entity, EntityGrant, Relation } from '../../schema/api/inventory'
import type { EntityLevel } from '../../schema/inventory/access'
import type { EntityState } from '../../schema/inventory/entity'
import { apiError } from '../http/errors'
import type { SiteKernel } from '../site/feature'
import { type InventoryCaller, levelOn, requireLevel } from './entity-access'
import type { EntityRow, GrantRow, InventoryBook, RelationRow } from './inventory-book'

/** The site's entities and relations as callers may reach them, and the views they are answered with. */
export class InventoryReads {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: InventoryBook,
  ) {}

  require(entityId: string): EntityRow {
    const row = this.book.row(entityId)
    if (!row) throw apiError(404, 'not_found', 'entity not found')
    return row
  }

  requireRelation(relationId: string): RelationRow {
    const row = this.book.relation(relationId)
    if (!row) throw apiError(404, 'not_found', 'relation not found')
    return row
  }

  /** The entity, when the caller may read it; else 404, as if it did not exist. */
  readable(entityId: string, caller: InventoryCaller): EntityRow {
    const row = this.require(entityId)
    requireLevel(this.level(row, caller), 'read')
    return row
  }

  level(row: EntityRow, caller: InventoryCaller): EntityLevel | null {
    return levelOn(caller, row, caller.siteRole === 'admin' ? [] : this.book.grants(row.id))
  }

  /** The caller's level on an entity of this site; null when it is not here or not readable. */
  levelOf(entityId: string, caller: InventoryCaller): EntityLevel | null {
    const row = this.book.row(entityId)
    return row ? this.level(row, caller) : null
  }

  view(row: EntityRow, caller: InventoryCaller): Entity {
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

  stateView(
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

  relationView(row: RelationRow): Relation {
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
}

export const grantView = (row: GrantRow): EntityGrant => ({
  id: row.id,
  entity_id: row.entityId,
  subject: { type: row.subjectType, id: row.subjectId },
  level: row.level,
  created_at: row.createdAt,
  created_by: row.createdBy,
})
