import * as v from 'valibot'
import { Labels, Ulid } from '../common'
import { ConsumerName } from '../resources/consumer'
import { AgentResourceStatus, ResourceSettings, ResourceSpec } from '../resources/resource'

const Version = v.pipe(v.number(), v.integer(), v.minValue(1))

/** Data of `io.sitewire.consumer.created`. */
export const ConsumerCreated = v.object({
  consumer_id: Ulid,
  name: ConsumerName,
  agent_id: v.nullable(Ulid),
  selector: v.nullable(Labels),
  labels: Labels,
})
export type ConsumerCreated = v.InferOutput<typeof ConsumerCreated>

/** Data of `io.sitewire.consumer.deleted`. */
export const ConsumerRef = v.object({ consumer_id: Ulid })

/** Data of `io.sitewire.resource.created` and `.updated`: each change is a new version. */
export const ResourceVersioned = v.object({
  resource_id: Ulid,
  consumer_id: Ulid,
  version: Version,
  spec: ResourceSpec,
})
export type ResourceVersioned = v.InferOutput<typeof ResourceVersioned>

/** Data of `io.sitewire.resource.delete_requested` (agents remove it, or stop managing it) and `.deleted`. */
export const ResourceRef = v.object({ resource_id: Ulid })

/**
 * Data of `io.sitewire.resource.status_reported`, sent by an agent: what it observed of a
 * resource. `report` counts the agent's reports of this resource, so one that arrives after a
 * later one is kept in the log but changes nothing; `deleted` says it is gone from the host.
 */
export const ResourceStatusReported = v.object({
  agent_id: Ulid,
  resource_id: Ulid,
  report: v.pipe(v.number(), v.integer(), v.minValue(1)),
  observed_version: AgentResourceStatus.entries.observed_version,
  conditions: AgentResourceStatus.entries.conditions,
  feedback: AgentResourceStatus.entries.feedback,
  manifests: AgentResourceStatus.entries.manifests,
  deleted: v.optional(v.boolean(), false),
})
export type ResourceStatusReported = v.InferOutput<typeof ResourceStatusReported>

/** Data of `io.sitewire.resource.settings_changed`: the site's resource settings, whole. */
export const ResourceSettingsChanged = ResourceSettings
