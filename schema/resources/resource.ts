import * as v from 'valibot'
import { Labels, Timestamp, Ulid } from '../common'
import { Command, Manifest } from './manifest'

/**
 * How the agent treats what exists: Update replaces it, ServerSideApply manages only the fields
 * the manifest names, CreateOnly never changes what exists, ReadOnly only observes and reports.
 */
export const UpdateStrategy = v.picklist(['ServerSideApply', 'Update', 'CreateOnly', 'ReadOnly'])
export type UpdateStrategy = v.InferOutput<typeof UpdateStrategy>

/** On delete: Foreground removes it from the host and reports when gone; Orphan leaves it in place. */
export const DeleteOption = v.picklist(['Foreground', 'Orphan'])
export type DeleteOption = v.InferOutput<typeof DeleteOption>

/** A value fed back from the observed object: a JSONPath (`.status.pid`, `$.sha256`) to a scalar. */
export const FeedbackRule = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'a name of letters, digits and _')),
  path: v.pipe(v.string(), v.regex(/^\$?\.[^\s]{0,255}$/, 'a JSONPath such as .status.pid')),
})
export type FeedbackRule = v.InferOutput<typeof FeedbackRule>

/** How one manifest of a resource is applied and observed. */
export const ManifestConfig = v.strictObject({
  update_strategy: v.optional(UpdateStrategy, 'ServerSideApply'),
  feedback_rules: v.optional(v.pipe(v.array(FeedbackRule), v.maxLength(32)), []),
})
export type ManifestConfig = v.InferOutput<typeof ManifestConfig>

/**
 * Largest spec of one resource, as JSON bytes: the desired sets sent to agents travel in frames
 * of at most `MAX_FRAME_BYTES` (256 KiB), each holding at least one whole resource.
 */
export const MAX_RESOURCE_SPEC_BYTES = 192 * 1024

/** Most manifests in one bundle. */
export const MAX_BUNDLE_MANIFESTS = 64

export const Manifests = v.pipe(
  v.array(Manifest),
  v.minLength(1, 'at least one manifest'),
  v.maxLength(MAX_BUNDLE_MANIFESTS, `at most ${MAX_BUNDLE_MANIFESTS} manifests`),
)

/** A single manifest, or a bundle: several applied and reported as one unit. */
export const ResourceType = v.picklist(['single', 'bundle'])
export type ResourceType = v.InferOutput<typeof ResourceType>

/** What a resource wants, as each version stores it; `manifest_configs[i]` configures `manifests[i]`. */
export const ResourceSpec = v.object({
  type: ResourceType,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
  manifests: Manifests,
  manifest_configs: v.array(ManifestConfig),
  delete_option: DeleteOption,
  labels: Labels,
})
export type ResourceSpec = v.InferOutput<typeof ResourceSpec>

export const ConditionType = v.picklist(['Applied', 'Available', 'StatusFeedbackSynced', 'Degraded'])
export type ConditionType = v.InferOutput<typeof ConditionType>

/** One condition of what an agent observed, with when it last changed. */
export const Condition = v.object({
  type: ConditionType,
  status: v.picklist(['True', 'False', 'Unknown']),
  reason: v.pipe(v.string(), v.maxLength(128)),
  message: v.pipe(v.string(), v.maxLength(1024)),
  last_transition_time: Timestamp,
})
export type Condition = v.InferOutput<typeof Condition>

export const FeedbackValue = v.union([v.string(), v.number(), v.boolean(), v.null()])
export const FeedbackValues = v.pipe(
  v.record(v.pipe(v.string(), v.maxLength(64)), FeedbackValue),
  v.maxEntries(64),
)
export type FeedbackValues = v.InferOutput<typeof FeedbackValues>

/**
 * One manifest's status within a bundle, in the bundle's order: `identity` is its kind and
 * name (`File//etc/motd`, `Deployment/web`), its conditions and feedback its own.
 */
export const ManifestStatus = v.object({
  identity: v.pipe(v.string(), v.maxLength(4300)),
  conditions: v.array(Condition),
  feedback: FeedbackValues,
})
export type ManifestStatus = v.InferOutput<typeof ManifestStatus>

/** What an agent last reported of a resource; a bundle's report has each manifest's status too. */
export const AgentResourceStatus = v.object({
  agent_id: Ulid,
  observed_version: v.pipe(v.number(), v.integer(), v.minValue(0)),
  conditions: v.array(Condition),
  feedback: FeedbackValues,
  manifests: v.optional(v.pipe(v.array(ManifestStatus), v.maxLength(MAX_BUNDLE_MANIFESTS))),
  reported_at: Timestamp,
})
export type AgentResourceStatus = v.InferOutput<typeof AgentResourceStatus>

/**
 * A site's settings for its resources. `applier`: the command agents run for manifests of kinds
 * they have no applier of their own for (e.g. `["kubectl", "apply", "--server-side", "-f", "-"]`),
 * the manifest as JSON on its stdin and `SITEWIRE_RESOURCE_ACTION` = `apply` or `delete` in its
 * environment; without one, such manifests report `Applied=False` `NoApplier`.
 */
export const ResourceSettings = v.strictObject({ applier: v.nullable(Command) })
export type ResourceSettings = v.InferOutput<typeof ResourceSettings>
