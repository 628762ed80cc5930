import * as v from 'valibot'
import { Ulid } from '../common'
import { EntityGrantSubject, EntityLevel } from '../inventory/access'
import { CustomFieldDefinition, CustomFieldName } from '../inventory/custom-fields'
import { DiscoverySource, SightingKey, StalenessSettings } from '../inventory/discovery'
import { EntityDefinition } from '../inventory/entity'
import { EntityKind } from '../inventory/kinds'
import { OptionListName, OptionValues } from '../inventory/option-lists'
import { RelationType } from '../inventory/relations'

/** Data of `io.sitewire.entity.created` and `.updated`: the whole definition as it now is. */
export const EntityDefined = v.object({ entity_id: Ulid, definition: EntityDefinition })

/** Data of `io.sitewire.entity.deactivated` (soft delete) and `.restored`. */
export const EntityRef = v.object({ entity_id: Ulid })

/**
 * Data of `io.sitewire.relation.added`, stored in the site of its source (`from_id`, the
 * event's subject). A target in another site was checked against the tenant-wide projection.
 */
export const RelationAdded = v.object({
  relation_id: Ulid,
  type: RelationType,
  from_id: Ulid,
  from_kind: EntityKind,
  to_id: Ulid,
  to_kind: EntityKind,
  to_site_id: Ulid,
})
export type RelationAdded = v.InferOutput<typeof RelationAdded>

/** Data of `io.sitewire.relation.removed`. */
export const RelationRemoved = v.object({ relation_id: Ulid, from_id: Ulid })

/** Data of `io.sitewire.custom_field.defined`: a new or changed definition. */
export const CustomFieldDefined = v.object({ field: CustomFieldDefinition })

/** Data of `io.sitewire.custom_field.removed`. */
export const CustomFieldRemoved = v.object({ kind: EntityKind, name: CustomFieldName })

/** Data of `io.sitewire.option_list.set`: the list's values, all of them. */
export const OptionListSet = v.object({ list: OptionListName, values: OptionValues })

/** Data of `io.sitewire.entity.granted`: a level on one entity for a user or a team. */
export const EntityGranted = v.object({
  entity_id: Ulid,
  grant_id: Ulid,
  subject: EntityGrantSubject,
  level: EntityLevel,
})

/** Data of `io.sitewire.entity.grant_revoked`. */
export const EntityGrantRevoked = v.object({ entity_id: Ulid, grant_id: Ulid })

/**
 * Data of `io.sitewire.discovery.observed`: what one look of a source (`scope`: an agent's
 * `facts`, a connector's resource type) saw, each entity by the key it matched, and which
 * entities it saw last time and no longer does.
 */
export const DiscoveryObserved = v.object({
  source: DiscoverySource,
  scope: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  seen: v.pipe(v.array(v.object({ entity_id: Ulid, key: SightingKey })), v.maxLength(20_000)),
  missing: v.pipe(v.array(Ulid), v.maxLength(20_000)),
})
export type DiscoveryObserved = v.InferOutput<typeof DiscoveryObserved>

/** Data of `io.sitewire.entity.marked_stale`: no source has seen the entity since `last_seen_at`. */
export const EntityMarkedStale = v.object({
  entity_id: Ulid,
  last_seen_at: v.pipe(v.string(), v.isoTimestamp()),
})

/** Data of `io.sitewire.discovery.settings_set`: the site's staleness periods, all of them. */
export const DiscoverySettingsSet = v.object({ settings: StalenessSettings })
