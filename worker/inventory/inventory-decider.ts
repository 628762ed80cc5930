import * as v from 'valibot'
import type { CreateRelationBody, InventoryWarning, UpdateEntityBody } from '../../schema/api/inventory'
import { EventType, type SitewireEventBody } from '../../schema/events'
import type { EntityGrantSubject, EntityLevel } from '../../schema/inventory/access'
import {
  type CustomFieldDefinition,
  type CustomFieldValues,
  customFieldProblem,
} from '../../schema/inventory/custom-fields'
import type { FieldSources, StalenessSettings } from '../../schema/inventory/discovery'
import type { EntityDefinition } from '../../schema/inventory/entity'
import { type EntityKind, KIND_ATTRIBUTES } from '../../schema/inventory/kinds'
import { OPTION_FIELDS, OPTION_LISTS, type OptionListName } from '../../schema/inventory/option-lists'
import { relationAllowed } from '../../schema/inventory/relations'
import { apiError } from '../http/errors'

/** An entity as the decider needs to know it. */
export interface KnownEntity {
  id: string
  definition: EntityDefinition
  active: boolean
  /** Who last wrote each field, person or discovery source. */
  fieldSources: FieldSources
  /** Who last changed it: for a deactivated entity, who deactivated it. */
  updatedBy: string
}

/** A server that shares a hostname or an address with the one being written, in the same team. */
export interface DuplicateServer {
  entity_id: string
  hostname: boolean
  addresses: string[]
}

/** What the decider reads of the site's inventory; the book answers it from the site's tables. */
export interface InventoryView {
  entity(id: string): KnownEntity | undefined
  customFields(kind: EntityKind): CustomFieldDefinition[]
  options(list: OptionListName): string[]
  /** Active servers of the team (or of no team) with this hostname or one of these addresses. */
  duplicates(teamId: string | null, hostname: string, addresses: string[], except: string): DuplicateServer[]
  relation(id: string): { fromId: string } | undefined
  hasRelation(fromId: string, type: string, toId: string): boolean
  grant(entityId: string, grantId: string): boolean
  grantTo(entityId: string, subject: EntityGrantSubject): string | undefined
}

/** A target in another site, as the tenant-wide projection knows it. */
export interface RemoteTarget {
  kind: EntityKind
  site_id: string
}

export type InventoryCommand =
  | { type: 'create'; entityId: string; definition: EntityDefinition }
  | { type: 'update'; entityId: string; changes: UpdateEntityBody }
  | { type: 'deactivate'; entityId: string }
  | { type: 'restore'; entityId: string }
  | {
      type: 'relate'
      relationId: string
      siteId: string
      input: CreateRelationBody
      remote?: RemoteTarget
    }
  | { type: 'unrelate'; relationId: string }
  | { type: 'define_field'; field: CustomFieldDefinition }
  | { type: 'remove_field'; kind: EntityKind; name: string }
  | { type: 'set_options'; list: OptionListName; values: string[] }
  | { type: 'set_discovery_settings'; settings: StalenessSettings }
  | { type: 'grant'; grantId: string; entityId: string; subject: EntityGrantSubject; level: EntityLevel }
  | { type: 'revoke'; entityId: string; grantId: string }

export interface InventoryDecision {
  events: SitewireEventBody[]
  warnings: InventoryWarning[]
}

interface Problem {
  path: string
  message: string
}

const invalid = (problems: Problem[]) =>
  apiError(
    400,
    'validation_failed',
    'the entity does not fit its kind, its custom fields or the option lists',
    problems,
  )

const decided = (...events: SitewireEventBody[]): InventoryDecision => ({ events, warnings: [] })

/**
 * Decides which events an inventory command produces, or refuses it (400 with a detail per
 * field, 404 for what the site does not hold, 409 for what its state forbids). Duplicate
 * hostnames and addresses within a team are let through with a warning, as in the seed system.
 */
export const decideInventory = (view: InventoryView, command: InventoryCommand): InventoryDecision => {
  switch (command.type) {
    case 'create': {
      const definition = checked(view, command.definition, Object.keys(command.definition.custom_fields))
      return {
        events: [{ type: EventType.entityCreated, data: { entity_id: command.entityId, definition } }],
        warnings: duplicatesOf(view, command.entityId, definition),
      }
    }
    case 'update': {
      const entity = requireEntity(view, command.entityId)
      const definition = checked(
        view,
        merged(entity.definition, command.changes),
        Object.keys(command.changes.custom_fields ?? {}),
      )
      return {
        events: [{ type: EventType.entityUpdated, data: { entity_id: entity.id, definition } }],
        warnings: duplicatesOf(view, entity.id, definition),
      }
    }
    case 'deactivate': {
      const entity = requireEntity(view, command.entityId)
      if (!entity.active) throw apiError(409, 'entity_inactive', 'the entity is already deactivated')
      return decided({ type: EventType.entityDeactivated, data: { entity_id: entity.id } })
    }
    case 'restore': {
      const entity = requireEntity(view, command.entityId)
      if (entity.active) throw apiError(409, 'entity_active', 'the entity is active')
      return decided({ type: EventType.entityRestored, data: { entity_id: entity.id } })
    }
    case 'relate':
      return decided(relate(view, command))
    case 'unrelate': {
      const relation = view.relation(command.relationId)
      if (!relation) throw apiError(404, 'not_found', 'relation not found')
      return decided({
        type: EventType.relationRemoved,
        data: { relation_id: command.relationId, from_id: relation.fromId },
      })
    }
    case 'define_field':
      return decided({ type: EventType.customFieldDefined, data: { field: command.field } })
    case 'remove_field': {
      if (!view.customFields(command.kind).some((field) => field.name === command.name))
        throw apiError(404, 'not_found', 'custom field not found')
      return decided({ type: EventType.customFieldRemoved, data: { kind: command.kind, name: command.name } })
    }
    case 'set_options':
      return decided({ type: EventType.optionListSet, data: { list: command.list, values: command.values } })
    case 'set_discovery_settings':
      return decided({ type: EventType.discoverySettingsSet, data: { settings: command.settings } })
    case 'grant': {
      const entity = requireEntity(view, command.entityId)
      // A second grant to the same subject replaces the first, under the first one's id.
      const grantId = view.grantTo(entity.id, command.subject) ?? command.grantId
      return decided({
        type: EventType.entityGranted,
        data: { entity_id: entity.id, grant_id: grantId, subject: command.subject, level: command.level },
      })
    }
    case 'revoke': {
      const entity = requireEntity(view, command.entityId)
      if (!view.grant(entity.id, command.grantId)) throw apiError(404, 'not_found', 'grant not found')
      return decided({
        type: EventType.entityGrantRevoked,
        data: { entity_id: entity.id, grant_id: command.grantId },
      })
    }
  }
}

const requireEntity = (view: InventoryView, id: string): KnownEntity => {
  const entity = view.entity(id)
  if (!entity) throw apiError(404, 'not_found', 'entity not found')
  return entity
}

/** The definition a change leaves: attributes and custom fields merged key by key, `null` removing one. */
const merged = (definition: EntityDefinition, changes: UpdateEntityBody): EntityDefinition => {
  const withValues = <T>(base: Record<string, T>, patch: Record<string, T | null> | undefined) => {
    const next: Record<string, T> = { ...base }
    for (const [key, value] of Object.entries(patch ?? {})) {
      if (value === null) delete next[key]
      else next[key] = value
    }
    return next
  }
  return {
    ...definition,
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.team_id === undefined ? {} : { team_id: changes.team_id }),
    ...(changes.tags === undefined ? {} : { tags: changes.tags }),
    ...(changes.restricted === undefined ? {} : { restricted: changes.restricted }),
    attributes: withValues(definition.attributes as Record<string, unknown>, changes.attributes),
    custom_fields: withValues(definition.custom_fields, changes.custom_fields) as CustomFieldValues,
  } as EntityDefinition
}

/**
 * Checks a definition whole and answers it with the kind's defaults filled in: the kind's
 * attributes (a merged change is checked here, a new entity was by its schema already), the
 * custom fields named in the write, every required one, and the fields governed by a
 * configured option list.
 */
const checked = (view: InventoryView, definition: EntityDefinition, written: string[]): EntityDefinition => {
  const problems: Problem[] = []
  const attributes = v.safeParse(KIND_ATTRIBUTES[definition.kind], definition.attributes)
  if (!attributes.success)
    for (const issue of attributes.issues)
      problems.push({
        path: ['attributes', ...(issue.path ?? []).map((item) => String(item.key))].join('.'),
        message: issue.message,
      })
  const fields = new Map(view.customFields(definition.kind).map((field) => [field.name, field]))
  for (const name of written) {
    const field = fields.get(name)
    const value = definition.custom_fields[name]
    if (!field)
      problems.push({ path: `custom_fields.${name}`, message: `${definition.kind} has no such custom field` })
    else if (value !== undefined) {
      const problem = customFieldProblem(field, value)
      if (problem) problems.push({ path: `custom_fields.${name}`, message: problem })
    }
  }
  for (const field of fields.values())
    if (field.required && definition.custom_fields[field.name] === undefined)
      problems.push({ path: `custom_fields.${field.name}`, message: 'is required' })
  for (const list of OPTION_LISTS) {
    const allowed = view.options(list)
    const key = OPTION_FIELDS[list]
    const value = (definition.attributes as Record<string, unknown>)[key]
    if (allowed.length > 0 && typeof value === 'string' && !allowed.includes(value))
      problems.push({
        path: `attributes.${key}`,
        message: `must be one of the site's ${list}: ${allowed.join(', ')}`,
      })
  }
  if (problems.length > 0 || !attributes.success) throw invalid(problems)
  return { ...definition, attributes: attributes.output } as EntityDefinition
}

const duplicatesOf = (
  view: InventoryView,
  entityId: string,
  definition: EntityDefinition,
): InventoryWarning[] => {
  if (definition.kind !== 'server') return []
  const { hostname, private_ipv4, public_ipv4 } = definition.attributes
  const found = view.duplicates(definition.team_id, hostname, [...private_ipv4, ...public_ipv4], entityId)
  return found.flatMap((server) => [
    ...(server.hostname
      ? [
          {
            code: 'duplicate_hostname' as const,
            message: `another server of the team has the hostname ${hostname}`,
            entity_id: server.entity_id,
          },
        ]
      : []),
    ...server.addresses.map((address) => ({
      code: 'duplicate_ip' as const,
      message: `another server of the team has the address ${address}`,
      entity_id: server.entity_id,
    })),
  ])
}

const relate = (
  view: InventoryView,
  command: Extract<InventoryCommand, { type: 'relate' }>,
): SitewireEventBody => {
  const { input, siteId } = command
  const from = requireEntity(view, input.from_id)
  if (input.from_id === input.to_id)
    throw invalid([{ path: 'to_id', message: 'an entity cannot relate to itself' }])
  const toSiteId = input.to_site_id ?? siteId
  const toKind = toSiteId === siteId ? view.entity(input.to_id)?.definition.kind : command.remote?.kind
  if (!toKind) throw apiError(404, 'not_found', 'target entity not found')
  if (!relationAllowed(input.type, from.definition.kind, toKind))
    throw apiError(
      400,
      'relation_not_allowed',
      `a ${from.definition.kind} cannot be ${input.type} a ${toKind}`,
      [{ path: 'type', message: `${input.type} does not join ${from.definition.kind} to ${toKind}` }],
    )
  if (view.hasRelation(from.id, input.type, input.to_id))
    throw apiError(409, 'relation_exists', 'these entities are already related this way')
  return {
    type: EventType.relationAdded,
    data: {
      relation_id: command.relationId,
      type: input.type,
      from_id: from.id,
      from_kind: from.definition.kind,
      to_id: input.to_id,
      to_kind: toKind,
      to_site_id: toSiteId,
    },
  }
}
