import { EventType, type SitewireEventBody } from '../../schema/events'
import type { DiscoveryView } from './discovery-decider'
import { changedFields } from './field-sources'
import type { KnownEntity } from './inventory-decider'

/** Test support for discovery deciders: a view of an inventory made by given events. */

/** Ids in the order the decider asks for them. */
export const ids = () => {
  let n = 0
  return () => `01J00000000000000000000${String(++n).padStart(3, '0')}`
}

export interface Given {
  actor: string
  body: SitewireEventBody
}

/** The discovery view of a site whose inventory is what `events` made it, each by its actor. */
export const given = (events: Given[]): DiscoveryView => {
  const entities = new Map<string, KnownEntity>()
  const relations: { from: string; type: string; to: string }[] = []
  const sightings = new Map<
    string,
    { source: string; scope: string; key: string; entityId: string; present: boolean }
  >()
  for (const { actor, body } of events) {
    switch (body.type) {
      case EventType.entityCreated:
      case EventType.entityUpdated: {
        const before = entities.get(body.data.entity_id)
        const fieldSources = { ...before?.fieldSources }
        for (const path of changedFields(before?.definition, body.data.definition)) fieldSources[path] = actor
        entities.set(body.data.entity_id, {
          id: body.data.entity_id,
          definition: body.data.definition,
          active: before?.active ?? true,
          fieldSources,
          updatedBy: actor,
        })
        break
      }
      case EventType.entityDeactivated:
      case EventType.entityRestored: {
        const entity = entities.get(body.data.entity_id)
        if (entity)
          Object.assign(entity, { active: body.type === EventType.entityRestored, updatedBy: actor })
        break
      }
      case EventType.relationAdded:
        relations.push({ from: body.data.from_id, type: body.data.type, to: body.data.to_id })
        break
      case EventType.discoveryObserved:
        for (const seen of body.data.seen)
          sightings.set(`${body.data.source} ${seen.key}`, {
            source: body.data.source,
            scope: body.data.scope,
            key: seen.key,
            entityId: seen.entity_id,
            present: true,
          })
        for (const sighting of sightings.values())
          if (sighting.source === body.data.source && body.data.missing.includes(sighting.entityId))
            sighting.present = false
        break
    }
  }
  const all = () => [...entities.values()]
  return {
    entity: (id) => entities.get(id),
    options: () => [],
    hasRelation: (from, type, to) => relations.some((r) => r.from === from && r.type === type && r.to === to),
    sighting: (key) => [...sightings.values()].find((s) => s.key === key)?.entityId,
    serverByInstanceId: (instanceId) =>
      all().find((e) => e.definition.kind === 'server' && e.definition.attributes.instance_id === instanceId)
        ?.id,
    serverByHostnameAndAddress: (hostname, addresses) =>
      all().find(
        (e) =>
          e.definition.kind === 'server' &&
          e.definition.attributes.hostname === hostname &&
          e.definition.attributes.private_ipv4.some((a) => addresses.includes(a)),
      )?.id,
    entityByName: (kind, name) =>
      all().find((e) => e.definition.kind === kind && e.definition.name === name)?.id,
    sightingsOf: (source, scope) =>
      [...sightings.values()].filter((s) => s.source === source && s.scope === scope),
    seenByOtherSource: (entityId, source) =>
      [...sightings.values()].some((s) => s.entityId === entityId && s.present && s.source !== source),
  }
}
