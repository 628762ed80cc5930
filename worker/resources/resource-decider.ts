import { EventType, type SitewireEventBody } from '../../schema/events'
import type { ConsumerSpec } from '../../schema/resources/consumer'
import {
  MAX_RESOURCE_SPEC_BYTES,
  type ResourceSpec,
  type ResourceType,
} from '../../schema/resources/resource'
import { apiError } from '../http/errors'
import { utf8Length } from '../lib/utf8'

/** What the decider knows of a consumer. */
export interface ConsumerEntry {
  id: string
  name: string
}

/** What the decider knows of a resource: its version, and the agents that hold it applied. */
export interface ResourceEntry {
  id: string
  consumerId: string
  version: number
  spec: ResourceSpec
  deleting: boolean
  /** Agents whose latest report says it is on their host. */
  heldBy: readonly string[]
}

/** The part of a site's resources a command needs: live consumers and resources by id. */
export interface ResourceState {
  consumers: Readonly<Record<string, ConsumerEntry>>
  resources: Readonly<Record<string, ResourceEntry>>
}

export const emptyResourceState: ResourceState = { consumers: {}, resources: {} }

export type ResourceCommand =
  | { type: 'create_consumer'; consumerId: string; spec: ConsumerSpec }
  | { type: 'delete_consumer'; consumerId: string }
  | { type: 'create_resource'; resourceId: string; consumerId: string; spec: ResourceSpec }
  | { type: 'update_resource'; resourceId: string; kind: ResourceType; version: number; spec: ResourceSpec }
  | { type: 'delete_resource'; resourceId: string; kind: ResourceType }

const WHAT: Record<ResourceType, string> = { single: 'resource', bundle: 'resource bundle' }

/** The live resource of that type, or the 404 a caller gets for it. */
export const requireResource = (state: ResourceState, resourceId: string, kind: ResourceType) => {
  const entry = state.resources[resourceId]
  if (!entry || entry.spec.type !== kind) throw apiError(404, 'not_found', `${WHAT[kind]} not found`)
  return entry
}

/** A spec an agent could not be sent whole in one frame is refused. */
const requireSendable = (spec: ResourceSpec) => {
  const bytes = utf8Length(JSON.stringify(spec))
  if (bytes > MAX_RESOURCE_SPEC_BYTES)
    throw apiError(
      413,
      'resource_too_large',
      `a resource is at most ${MAX_RESOURCE_SPEC_BYTES} bytes as JSON`,
      {
        bytes,
      },
    )
}

/** Decides a command on consumers and resources: the events it makes, or the refusal. */
export const decideResources = (state: ResourceState, command: ResourceCommand): SitewireEventBody[] => {
  switch (command.type) {
    case 'create_consumer': {
      const { name, agent_id, selector, labels } = command.spec
      if (Object.values(state.consumers).some((consumer) => consumer.name === name))
        throw apiError(409, 'consumer_exists', `a consumer named ${name} exists already`)
      return [
        {
          type: EventType.consumerCreated,
          data: { consumer_id: command.consumerId, name, agent_id, selector, labels },
        },
      ]
    }
    case 'delete_consumer': {
      if (!state.consumers[command.consumerId]) throw apiError(404, 'not_found', 'consumer not found')
      const held = Object.values(state.resources).filter((r) => r.consumerId === command.consumerId)
      if (held.length > 0)
        throw apiError(409, 'consumer_in_use', 'delete the consumer’s resources first', {
          resources: held.map((r) => ({ id: r.id, type: r.spec.type, name: r.spec.name })),
        })
      return [{ type: EventType.consumerDeleted, data: { consumer_id: command.consumerId } }]
    }
    case 'create_resource': {
      if (!state.consumers[command.consumerId])
        throw apiError(422, 'unknown_consumer', 'no such consumer in this site')
      requireSendable(command.spec)
      return [
        {
          type: EventType.resourceCreated,
          data: {
            resource_id: command.resourceId,
            consumer_id: command.consumerId,
            version: 1,
            spec: command.spec,
          },
        },
      ]
    }
    case 'update_resource': {
      const entry = requireResource(state, command.resourceId, command.kind)
      if (entry.deleting)
        throw apiError(409, 'resource_deleting', `the ${WHAT[command.kind]} is being deleted`)
      if (command.version !== entry.version)
        throw apiError(
          409,
          'version_conflict',
          `version ${command.version} is not the current one; read it again and change version ${entry.version}`,
          { current_version: entry.version },
        )
      if (JSON.stringify(command.spec) === JSON.stringify(entry.spec)) return []
      requireSendable(command.spec)
      return [
        {
          type: EventType.resourceUpdated,
          data: {
            resource_id: entry.id,
            consumer_id: entry.consumerId,
            version: entry.version + 1,
            spec: command.spec,
          },
        },
      ]
    }
    case 'delete_resource': {
      const entry = requireResource(state, command.resourceId, command.kind)
      if (entry.deleting) return []
      const ref = { resource_id: entry.id }
      const gone = entry.spec.delete_option === 'Orphan' || entry.heldBy.length === 0
      return gone
        ? [
            { type: EventType.resourceDeleteRequested, data: ref },
            { type: EventType.resourceDeleted, data: ref },
          ]
        : [{ type: EventType.resourceDeleteRequested, data: ref }]
    }
  }
}

/** A resource being deleted is deleted once no agent holds it any more. */
export const decideDeletionSettled = (entry: ResourceEntry | undefined): SitewireEventBody[] =>
  entry?.deleting && entry.heldBy.length === 0
    ? [{ type: EventType.resourceDeleted, data: { resource_id: entry.id } }]
    : []
