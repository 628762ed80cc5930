import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { EntityGrantSubject, EntityLevel } from '../inventory/access'
import { CUSTOM_FIELD_TYPES, CustomFieldDefinition, CustomFieldValue } from '../inventory/custom-fields'
import { EntityDefinition, EntityName, Tags } from '../inventory/entity'
import { EntityKind } from '../inventory/kinds'
import { OPTION_LISTS, OptionValues } from '../inventory/option-lists'
import { RelationType } from '../inventory/relations'

/** `POST …/inventory/entities`: a kind, a name and the kind's own `attributes`. */
export const CreateEntityBody = EntityDefinition
export type CreateEntityBody = v.InferOutput<typeof CreateEntityBody>

/**
 * `PATCH …/inventory/entities/{id}`: `attributes` are merged key by key (a `null` removes one),
 * then checked whole against the kind; `custom_fields` likewise; `tags` replace the list.
 */
export const UpdateEntityBody = v.pipe(
  v.strictObject({
    name: v.optional(EntityName),
    team_id: v.optional(v.nullable(Ulid)),
    attributes: v.optional(v.record(v.string(), v.unknown())),
    tags: v.optional(Tags),
    custom_fields: v.optional(v.record(v.string(), v.nullable(CustomFieldValue))),
    restricted: v.optional(v.boolean()),
  }),
  v.check((body) => Object.keys(body).length > 0, 'give at least one field to change'),
)
export type UpdateEntityBody = v.InferOutput<typeof UpdateEntityBody>

/** An entity as a caller sees it, with what the caller may do to it. */
export const Entity = v.object({
  id: Ulid,
  site_id: Ulid,
  kind: EntityKind,
  name: v.string(),
  team_id: v.nullable(Ulid),
  attributes: v.record(v.string(), v.unknown()),
  tags: v.array(v.string()),
  custom_fields: v.record(v.string(), CustomFieldValue),
  restricted: v.boolean(),
  active: v.boolean(),
  version: v.number(),
  created_at: Timestamp,
  created_by: v.string(),
  updated_at: Timestamp,
  updated_by: v.string(),
  access: EntityLevel,
  /** Who last wrote each field (`name`, `attributes.hostname`…): a person, or `discovery:<source>`. */
  field_sources: v.record(v.string(), v.string()),
  /** When a discovery source last saw it; null if none reports it (or, read at a past instant, not known). */
  last_seen_at: v.nullable(Timestamp),
  /** No source has seen it for the site's stale period. */
  stale: v.boolean(),
})
export type Entity = v.InferOutput<typeof Entity>
export const EntityPage = pageOf(Entity)

/** Something a write let through but a person should know, e.g. another server with the same hostname. */
export const InventoryWarning = v.object({
  code: v.picklist(['duplicate_hostname', 'duplicate_ip']),
  message: v.string(),
  entity_id: Ulid,
})
export type InventoryWarning = v.InferOutput<typeof InventoryWarning>

/** The answer to a create or a change: the entity and the warnings the write raised. */
export const EntityWritten = v.object({ ...Entity.entries, warnings: v.array(InventoryWarning) })
export type EntityWritten = v.InferOutput<typeof EntityWritten>

const Flag = v.optional(v.picklist(['true', 'false', 'all']), 'true')

export const EntityListQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  kind: v.optional(EntityKind),
  /** `true` (the default) lists active entities, `false` deactivated ones, `all` both. */
  active: Flag,
  tag: v.optional(v.string()),
  /** Part of the name, case-insensitive. */
  q: v.optional(v.pipe(v.string(), v.maxLength(200))),
})
export type EntityListQuery = v.InferOutput<typeof EntityListQuery>

/** One change of an entity, from its events: who made it, when. */
export const EntityChange = v.object({
  seq: v.number(),
  type: v.string(),
  time: Timestamp,
  actor: v.string(),
  version: v.number(),
})
export const EntityChangeList = v.object({ items: v.array(EntityChange) })
export type EntityChange = v.InferOutput<typeof EntityChange>

/** `?at=`: the entity as it was then; without it, the list of its changes. */
export const HistoryQuery = v.object({ at: v.optional(Timestamp) })

export const DiffQuery = v.object({ from: Timestamp, to: Timestamp })

/** One field that differs between two instants, by dot path; absent values are null. */
export const FieldChange = v.object({ path: v.string(), before: v.unknown(), after: v.unknown() })
export type FieldChange = v.InferOutput<typeof FieldChange>

export const EntityDiff = v.object({
  from: v.nullable(Entity),
  to: v.nullable(Entity),
  changes: v.array(FieldChange),
})
export type EntityDiff = v.InferOutput<typeof EntityDiff>

/** `POST …/inventory/relations`: from an entity of this site to one of this site or, with `to_site_id`, another. */
export const CreateRelationBody = v.strictObject({
  type: RelationType,
  from_id: Ulid,
  to_id: Ulid,
  to_site_id: v.optional(Ulid),
})
export type CreateRelationBody = v.InferOutput<typeof CreateRelationBody>

export const Relation = v.object({
  id: Ulid,
  site_id: Ulid,
  type: RelationType,
  from_id: Ulid,
  from_kind: EntityKind,
  to_id: Ulid,
  to_kind: EntityKind,
  to_site_id: Ulid,
  created_at: Timestamp,
  created_by: v.string(),
})
export type Relation = v.InferOutput<typeof Relation>
export const RelationPage = pageOf(Relation)

/** One relation of a batch: both ends in the site (a target in another site is related one at a time). */
export const BatchRelation = v.strictObject({ type: RelationType, from_id: Ulid, to_id: Ulid })
export type BatchRelation = v.InferOutput<typeof BatchRelation>

export const RELATION_BATCH_MAX = 1000

/** `POST …/inventory/relations/batch`: many relations in one write, all stored or none. */
export const CreateRelationBatchBody = v.strictObject({
  relations: v.pipe(
    v.array(BatchRelation),
    v.minLength(1, 'give at least one relation'),
    v.maxLength(RELATION_BATCH_MAX, `at most ${RELATION_BATCH_MAX} relations in a batch`),
  ),
})
export type CreateRelationBatchBody = v.InferOutput<typeof CreateRelationBatchBody>

/** The ids of a batch's relations, in the order they were given. */
export const RelationBatch = v.object({ created: v.number(), ids: v.array(Ulid) })
export type RelationBatch = v.InferOutput<typeof RelationBatch>

export const RelationListQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  /** Relations from or to this entity. */
  entity_id: v.optional(Ulid),
  type: v.optional(RelationType),
})
export type RelationListQuery = v.InferOutput<typeof RelationListQuery>

/** `POST …/entities/{id}/grants`: a level on this entity for a user or a team; a new grant to the same subject replaces it. */
export const CreateEntityGrantBody = v.strictObject({ subject: EntityGrantSubject, level: EntityLevel })
export type CreateEntityGrantBody = v.InferOutput<typeof CreateEntityGrantBody>

export const EntityGrant = v.object({
  id: Ulid,
  entity_id: Ulid,
  subject: EntityGrantSubject,
  level: EntityLevel,
  created_at: Timestamp,
  created_by: v.string(),
})
export type EntityGrant = v.InferOutput<typeof EntityGrant>
export const EntityGrantList = v.object({ items: v.array(EntityGrant) })

/** `PUT …/inventory/custom-fields/{kind}/{name}`: the definition of one kind's field. */
export const PutCustomFieldBody = v.strictObject({
  type: v.picklist(CUSTOM_FIELD_TYPES),
  required: v.optional(v.boolean(), false),
  choices: v.optional(CustomFieldDefinition.pipe[0].entries.choices.wrapped),
  description: v.optional(v.pipe(v.string(), v.maxLength(500)), ''),
})
export type PutCustomFieldBody = v.InferOutput<typeof PutCustomFieldBody>

export const CustomField = CustomFieldDefinition
export type CustomField = CustomFieldDefinition
export const CustomFieldList = v.object({ items: v.array(CustomFieldDefinition) })

/** `PUT …/inventory/options/{list}`. */
export const PutOptionListBody = v.strictObject({ values: OptionValues })
export type PutOptionListBody = v.InferOutput<typeof PutOptionListBody>

/** Every configured list, empty when not configured. */
export const OptionLists = v.object(
  Object.fromEntries(OPTION_LISTS.map((list) => [list, v.array(v.string())])) as Record<
    (typeof OPTION_LISTS)[number],
    v.ArraySchema<v.StringSchema<undefined>, undefined>
  >,
)
export type OptionLists = v.InferOutput<typeof OptionLists>

/** `POST …/inventory/import?kind=`: `apply=valid` stores the lines that pass even when others fail. */
export const ImportQuery = v.object({
  kind: EntityKind,
  apply: v.optional(v.picklist(['all', 'valid']), 'all'),
})
export type ImportQuery = v.InferOutput<typeof ImportQuery>

export const ImportProblem = v.object({ path: v.string(), message: v.string() })
export type ImportProblem = v.InferOutput<typeof ImportProblem>

/** What became of one line of an import: counted from 1, the header included. */
export const ImportLine = v.object({
  line: v.number(),
  status: v.picklist(['created', 'valid', 'invalid']),
  entity_id: v.nullable(Ulid),
  errors: v.array(ImportProblem),
  warnings: v.array(InventoryWarning),
})
export type ImportLine = v.InferOutput<typeof ImportLine>

export const ImportReport = v.object({
  applied: v.boolean(),
  created: v.number(),
  failed: v.number(),
  lines: v.array(ImportLine),
})
export type ImportReport = v.InferOutput<typeof ImportReport>
