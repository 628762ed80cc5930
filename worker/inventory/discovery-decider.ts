import * as v from 'valibot'
import { EventType, type SitewireEventBody } from '../../schema/events'
import { type DiscoverySource, isDiscoveryActor } from '../../schema/inventory/discovery'
import { EntityDefinition } from '../../schema/inventory/entity'
import type { EntityKind } from '../../schema/inventory/kinds'
import { OPTION_FIELDS, OPTION_LISTS, type OptionListName } from '../../schema/inventory/option-lists'
import { type RelationType, relationAllowed } from '../../schema/inventory/relations'
import { isEmptyValue, sameValue } from './field-sources'
import type { KnownEntity } from './inventory-decider'

/**
 * Something a source saw that should be an entity. `key` is how it is matched again next time:
 * `@<ref>` in it stands for the entity another candidate of the same look resolved to (a
 * database's key names the server it runs on), so candidates come in dependency order.
 */
export interface Candidate {
  ref: string
  kind: EntityKind
  key: string
  name: string
  attributes: Record<string, unknown>
  /** Tags it carries in its source (a cloud's tags), written as attributes are. */
  tags?: string[]
  /** Other ways to find an entity a person or another source made, tried after the key. */
  match?: { instanceId?: string; hostname?: string; addresses?: string[]; byName?: boolean }
  /** Relations from it to other candidates by their `ref`, or to an entity a source matched by that key before. */
  relations?: { type: RelationType; to: string }[]
}

/**
 * What a look does with entities the source saw last time and misses now: `mark` notes them as
 * no longer seen (staleness takes them later), `retire` also deactivates those no other source
 * still sees (a cloud connector's complete sync: the cloud says they are gone), `keep` leaves them
 * as they are (a sync that failed, or read only part of the cloud, proves nothing gone).
 */
export type MissedRule = 'mark' | 'retire' | 'keep'

/** One look of a source: an agent's facts, or one resource type of a connector's sync. */
export interface Observation {
  source: DiscoverySource
  scope: string
  candidates: Candidate[]
  missed?: MissedRule
}

/** What discovery reads of the site's inventory. */
export interface DiscoveryView {
  entity(id: string): KnownEntity | undefined
  options(list: OptionListName): string[]
  hasRelation(fromId: string, type: string, toId: string): boolean
  /** The entity some source matched by this key. */
  sighting(key: string): string | undefined
  serverByInstanceId(instanceId: string): string | undefined
  /** A server with this hostname and one of these private addresses. */
  serverByHostnameAndAddress(hostname: string, addresses: string[]): string | undefined
  entityByName(kind: EntityKind, name: string): string | undefined
  sightingsOf(source: string, scope: string): { key: string; entityId: string; present: boolean }[]
  /** Whether a source other than this one sees the entity now. */
  seenByOtherSource(entityId: string, source: string): boolean
}

export interface DiscoveryDecision {
  events: SitewireEventBody[]
  created: number
  updated: number
  /** Entities the look no longer saw: marked unseen, or (`retire`) deactivated. */
  retired: number
  /** Entities it saw that needed no change. */
  unchanged: number
}

const resolveKey = (key: string, ids: Map<string, string>) =>
  key.replace(/@([a-z0-9_]+)/g, (whole, ref: string) => ids.get(ref) ?? whole)

const find = (view: DiscoveryView, candidate: Candidate, key: string): string | undefined => {
  const { match } = candidate
  return (
    view.sighting(key) ??
    (match?.instanceId ? view.serverByInstanceId(match.instanceId) : undefined) ??
    (match?.hostname && match.addresses
      ? view.serverByHostnameAndAddress(match.hostname, match.addresses)
      : undefined) ??
    (match?.byName ? view.entityByName(candidate.kind, candidate.name) : undefined)
  )
}

/** A site's configured option lists bind discovery too: a value outside them is left out, not refused. */
const withinOptions = (view: DiscoveryView, attributes: Record<string, unknown>) => {
  const kept = { ...attributes }
  for (const list of OPTION_LISTS) {
    const allowed = view.options(list)
    const key = OPTION_FIELDS[list]
    if (allowed.length > 0 && typeof kept[key] === 'string' && !allowed.includes(kept[key])) delete kept[key]
  }
  return kept
}

/**
 * The change a candidate brings to an entity: only the fields discovery wrote last or that are
 * empty, so nothing a person set is overwritten; undefined when nothing differs or the result
 * would not be a valid entity (a person chose another database engine, say).
 */
const refreshed = (entity: KnownEntity, candidate: Candidate, view: DiscoveryView) => {
  const writable = (path: string, current: unknown) => {
    const writer = entity.fieldSources[path]
    return isEmptyValue(current) || (writer !== undefined && isDiscoveryActor(writer))
  }
  const current = entity.definition.attributes as Record<string, unknown>
  const attributes = { ...current }
  let changed = false
  for (const [key, value] of Object.entries(withinOptions(view, candidate.attributes))) {
    if (!writable(`attributes.${key}`, current[key]) || sameValue(current[key], value)) continue
    attributes[key] = value
    changed = true
  }
  const rename = writable('name', entity.definition.name) && entity.definition.name !== candidate.name
  const retag =
    candidate.tags !== undefined &&
    writable('tags', entity.definition.tags) &&
    !sameValue(entity.definition.tags, candidate.tags)
  if (!changed && !rename && !retag) return undefined
  const parsed = v.safeParse(EntityDefinition, {
    ...entity.definition,
    ...(rename ? { name: candidate.name } : {}),
    ...(retag ? { tags: candidate.tags } : {}),
    attributes,
  })
  return parsed.success ? parsed.output : undefined
}

/**
 * Decides what one look of a discovery source changes in the inventory: each candidate is
 * matched by its key (then instance id, hostname with a private address, or name, as its kind
 * allows), created when nothing matches, refreshed where discovery may write, restored when
 * discovery had deactivated it; its relations are added; and the look is recorded with the
 * entities it saw and those it saw last time and missed now. Pure: ids come from `newId`.
 */
export const decideDiscovery = (
  view: DiscoveryView,
  observation: Observation,
  siteId: string,
  newId: () => string,
): DiscoveryDecision => {
  const events: SitewireEventBody[] = []
  const ids = new Map<string, string>()
  const seen: { entity_id: string; key: string }[] = []
  const kinds = new Map<string, EntityKind>()
  let created = 0
  let updated = 0
  for (const candidate of observation.candidates) {
    const key = resolveKey(candidate.key, ids)
    if (key.includes('@')) continue
    const found = find(view, candidate, key)
    const entity = found ? view.entity(found) : undefined
    if (!entity) {
      const parsed = v.safeParse(EntityDefinition, {
        kind: candidate.kind,
        name: candidate.name,
        attributes: withinOptions(view, candidate.attributes),
        ...(candidate.tags ? { tags: candidate.tags } : {}),
      })
      if (!parsed.success) continue
      const entityId = newId()
      events.push({ type: EventType.entityCreated, data: { entity_id: entityId, definition: parsed.output } })
      created++
      ids.set(candidate.ref, entityId)
      kinds.set(entityId, candidate.kind)
      seen.push({ entity_id: entityId, key })
      continue
    }
    ids.set(candidate.ref, entity.id)
    kinds.set(entity.id, entity.definition.kind)
    seen.push({ entity_id: entity.id, key })
    const definition = refreshed(entity, candidate, view)
    if (definition) events.push({ type: EventType.entityUpdated, data: { entity_id: entity.id, definition } })
    const restore = !entity.active && isDiscoveryActor(entity.updatedBy)
    if (restore) events.push({ type: EventType.entityRestored, data: { entity_id: entity.id } })
    if (definition || restore) updated++
  }
  const target = (to: string) => {
    const id = ids.get(to) ?? view.sighting(to)
    const known = id && !kinds.has(id) ? view.entity(id) : undefined
    if (id && known) kinds.set(id, known.definition.kind)
    return id
  }
  for (const candidate of observation.candidates) {
    const fromId = ids.get(candidate.ref)
    for (const relation of candidate.relations ?? []) {
      const toId = target(relation.to)
      const fromKind = fromId && kinds.get(fromId)
      const toKind = toId && kinds.get(toId)
      if (!fromId || !toId || !fromKind || !toKind || !relationAllowed(relation.type, fromKind, toKind))
        continue
      if (view.hasRelation(fromId, relation.type, toId)) continue
      events.push({
        type: EventType.relationAdded,
        data: {
          relation_id: newId(),
          type: relation.type,
          from_id: fromId,
          from_kind: fromKind,
          to_id: toId,
          to_kind: toKind,
          to_site_id: siteId,
        },
      })
    }
  }
  const missed = observation.missed ?? 'mark'
  const unchanged = seen.length - created - updated
  const seenIds = new Set(seen.map((entry) => entry.entity_id))
  const seenKeys = new Set(seen.map((entry) => entry.key))
  const missing =
    missed === 'keep'
      ? []
      : [
          ...new Set(
            view
              .sightingsOf(observation.source, observation.scope)
              .filter(
                (sighting) =>
                  sighting.present && !seenKeys.has(sighting.key) && !seenIds.has(sighting.entityId),
              )
              .map((sighting) => sighting.entityId),
          ),
        ]
  // A look that found nothing, and misses nothing, is not worth a record.
  if (seen.length === 0 && missing.length === 0) return { events, created, updated, retired: 0, unchanged }
  events.push({
    type: EventType.discoveryObserved,
    data: { source: observation.source, scope: observation.scope, seen, missing },
  })
  if (missed !== 'retire') return { events, created, updated, retired: missing.length, unchanged }
  const retiring = missing.filter(
    (entityId) => view.entity(entityId)?.active && !view.seenByOtherSource(entityId, observation.source),
  )
  for (const entityId of retiring)
    events.push({ type: EventType.entityDeactivated, data: { entity_id: entityId } })
  return { events, created, updated, retired: retiring.length, unchanged }
}
