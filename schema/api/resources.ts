import * as v from 'valibot'
import { Labels, PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { ConsumerSpec } from '../resources/consumer'
import { Manifest } from '../resources/manifest'
import {
  AgentResourceStatus,
  Condition,
  DeleteOption,
  FeedbackRule,
  FeedbackValues,
  ManifestConfig,
  Manifests,
  UpdateStrategy,
} from '../resources/resource'

/** `POST …/consumers`. */
export const CreateConsumerBody = ConsumerSpec
export type CreateConsumerBody = v.InferOutput<typeof CreateConsumerBody>

export const Consumer = v.object({
  id: Ulid,
  site_id: Ulid,
  name: v.string(),
  agent_id: v.nullable(Ulid),
  selector: v.nullable(Labels),
  labels: Labels,
  created_at: Timestamp,
})
export type Consumer = v.InferOutput<typeof Consumer>
export const ConsumerPage = pageOf(Consumer)

const ResourceName = v.pipe(v.string(), v.minLength(1), v.maxLength(253))

/** `POST …/resources`: one manifest for a consumer; version 1. */
export const CreateResourceBody = v.strictObject({
  consumer_id: Ulid,
  name: v.optional(ResourceName),
  manifest: Manifest,
  update_strategy: v.optional(UpdateStrategy, 'ServerSideApply'),
  delete_option: v.optional(DeleteOption, 'Foreground'),
  feedback_rules: v.optional(v.pipe(v.array(FeedbackRule), v.maxLength(32)), []),
  labels: v.optional(Labels, {}),
})
export type CreateResourceBody = v.InferOutput<typeof CreateResourceBody>

/**
 * `PATCH …/resources/{id}`: `version` names the version this change replaces (a stale one is
 * 409); any other field given replaces the stored one.
 */
export const UpdateResourceBody = v.strictObject({
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  manifest: v.optional(Manifest),
  update_strategy: v.optional(UpdateStrategy),
  delete_option: v.optional(DeleteOption),
  feedback_rules: v.optional(v.pipe(v.array(FeedbackRule), v.maxLength(32))),
  labels: v.optional(Labels),
})
export type UpdateResourceBody = v.InferOutput<typeof UpdateResourceBody>

/** `POST …/resource-bundles`: several manifests as one unit; `manifest_configs[i]` configures `manifests[i]`. */
export const CreateBundleBody = v.strictObject({
  consumer_id: Ulid,
  name: v.optional(ResourceName),
  manifests: Manifests,
  manifest_configs: v.optional(v.array(ManifestConfig), []),
  delete_option: v.optional(DeleteOption, 'Foreground'),
  labels: v.optional(Labels, {}),
})
export type CreateBundleBody = v.InferOutput<typeof CreateBundleBody>

/** `PATCH …/resource-bundles/{id}`. */
export const UpdateBundleBody = v.strictObject({
  version: UpdateResourceBody.entries.version,
  manifests: v.optional(Manifests),
  manifest_configs: v.optional(v.array(ManifestConfig)),
  delete_option: v.optional(DeleteOption),
  labels: v.optional(Labels),
})
export type UpdateBundleBody = v.InferOutput<typeof UpdateBundleBody>

const ResourceCommon = {
  id: Ulid,
  site_id: Ulid,
  consumer_id: Ulid,
  consumer_name: v.string(),
  name: v.string(),
  version: v.number(),
  delete_option: DeleteOption,
  labels: Labels,
  /** Set once deletion was asked for; the resource is gone when its agents report it removed. */
  deleting: v.boolean(),
  /** What each of the consumer's agents last reported. */
  status: v.array(AgentResourceStatus),
  created_at: Timestamp,
  updated_at: Timestamp,
}

export const Resource = v.object({
  ...ResourceCommon,
  manifest: v.looseObject({ kind: v.string() }),
  update_strategy: UpdateStrategy,
  feedback_rules: v.array(FeedbackRule),
})
export type Resource = v.InferOutput<typeof Resource>
export const ResourcePage = pageOf(Resource)

export const ResourceBundle = v.object({
  ...ResourceCommon,
  manifests: v.array(v.looseObject({ kind: v.string() })),
  manifest_configs: v.array(ManifestConfig),
})
export type ResourceBundle = v.InferOutput<typeof ResourceBundle>
export const ResourceBundlePage = pageOf(ResourceBundle)

/** One status report, as the history keeps it. */
export const StatusHistoryEntry = v.object({
  seq: v.number(),
  agent_id: Ulid,
  observed_version: v.number(),
  conditions: v.array(Condition),
  feedback: FeedbackValues,
  manifests: AgentResourceStatus.entries.manifests,
  deleted: v.boolean(),
  reported_at: Timestamp,
})
export type StatusHistoryEntry = v.InferOutput<typeof StatusHistoryEntry>
export const StatusHistoryPage = pageOf(StatusHistoryEntry)

/** `?limit=&cursor=&consumer_id=` on resource lists. */
export const ListResourcesQuery = v.object({
  ...PageQuery.entries,
  consumer_id: v.optional(Ulid),
})
export type ListResourcesQuery = v.InferOutput<typeof ListResourcesQuery>
