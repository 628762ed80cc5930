import * as v from 'valibot'
import { Labels } from '../common'
import { ConsumerName } from '../resources/consumer'
import { Manifest } from '../resources/manifest'
import { DeleteOption, FeedbackRule, Manifests, UpdateStrategy } from '../resources/resource'

/**
 * The maestro-compatible API (`/api/maestro/v1`): the bodies stolostron/maestro's REST API
 * takes, so its clients and examples work unchanged. Field names are maestro's.
 */

/** `?page=&size=&search=` on maestro lists; `search` takes `field = 'value'` terms joined by `and`. */
export const MaestroListQuery = v.object({
  page: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1)), '1'),
  size: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0), v.maxValue(1000)), '100'),
  search: v.optional(v.pipe(v.string(), v.maxLength(1000))),
})
export type MaestroListQuery = v.InferOutput<typeof MaestroListQuery>

export const MaestroConsumerBody = v.object({
  name: ConsumerName,
  labels: v.optional(Labels, {}),
})
export type MaestroConsumerBody = v.InferOutput<typeof MaestroConsumerBody>

const MaestroUpdateStrategy = v.object({ type: UpdateStrategy })
const MaestroDeleteOption = v.object({ propagationPolicy: DeleteOption })

export const MaestroResourceBody = v.object({
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(253))),
  consumer_name: ConsumerName,
  /** A new resource starts at version 1; maestro's examples send it. */
  version: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1))),
  manifest: Manifest,
  /** Maestro's group and resource of a Kubernetes manifest; kept for its applier, not needed here. */
  group_resource: v.optional(v.object({ group: v.string(), resource: v.string() })),
  update_strategy: v.optional(MaestroUpdateStrategy, { type: 'ServerSideApply' }),
  delete_option: v.optional(MaestroDeleteOption, { propagationPolicy: 'Foreground' }),
})
export type MaestroResourceBody = v.InferOutput<typeof MaestroResourceBody>

export const MaestroResourcePatch = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  manifest: v.optional(Manifest),
  update_strategy: v.optional(MaestroUpdateStrategy),
  delete_option: v.optional(MaestroDeleteOption),
})
export type MaestroResourcePatch = v.InferOutput<typeof MaestroResourcePatch>

/** A ManifestWork's manifest config: which manifest, how it is updated, what is fed back. */
export const MaestroManifestConfig = v.object({
  resourceIdentifier: v.object({
    name: v.optional(v.string()),
    namespace: v.optional(v.string()),
    group: v.optional(v.string()),
    resource: v.optional(v.string()),
  }),
  updateStrategy: v.optional(MaestroUpdateStrategy),
  feedbackRules: v.optional(
    v.array(
      v.object({
        type: v.literal('JSONPaths'),
        jsonPaths: v.array(v.object({ name: FeedbackRule.entries.name, path: FeedbackRule.entries.path })),
      }),
    ),
  ),
})
export type MaestroManifestConfig = v.InferOutput<typeof MaestroManifestConfig>

export const MaestroBundleBody = v.object({
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(253))),
  consumer_name: ConsumerName,
  version: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1))),
  manifests: Manifests,
  manifest_configs: v.optional(v.array(MaestroManifestConfig), []),
  delete_option: v.optional(MaestroDeleteOption, { propagationPolicy: 'Foreground' }),
})
export type MaestroBundleBody = v.InferOutput<typeof MaestroBundleBody>

export const MaestroBundlePatch = v.pipe(
  v.object({
    version: v.pipe(v.number(), v.integer(), v.minValue(1)),
    manifests: v.optional(Manifests),
    manifest_configs: v.optional(v.array(MaestroManifestConfig)),
    delete_option: v.optional(MaestroDeleteOption),
  }),
  v.check(
    (patch) => patch.manifest_configs === undefined || patch.manifests !== undefined,
    'manifest_configs name manifests: send them with the manifests',
  ),
)
export type MaestroBundlePatch = v.InferOutput<typeof MaestroBundlePatch>

/** Maestro's error body: `kind: Error`, the status as `id`, and `reason` in words. */
export interface MaestroError {
  kind: 'Error'
  id: string
  href: string
  code: string
  reason: string
  operation_id?: string
}

/** Maestro's list envelope. */
export interface MaestroList<T> {
  kind: string
  page: number
  size: number
  total: number
  items: T[]
}
