import type {
  CreateBundleBody,
  CreateResourceBody,
  UpdateBundleBody,
  UpdateResourceBody,
} from '../../schema/api/resources'
import type { ManifestConfig, ResourceSpec } from '../../schema/resources/resource'

/** A change to a resource or bundle: the fields of either body but `version`. */
export type SpecPatch = Omit<UpdateResourceBody, 'version'> & Omit<UpdateBundleBody, 'version'>

/** A single resource's spec: one manifest, one config. An empty name becomes the resource's id. */
export const resourceSpec = (body: Omit<CreateResourceBody, 'consumer_id'>): ResourceSpec => ({
  type: 'single',
  name: body.name ?? '',
  manifests: [body.manifest],
  manifest_configs: [{ update_strategy: body.update_strategy, feedback_rules: body.feedback_rules }],
  delete_option: body.delete_option,
  labels: body.labels,
})

/** A bundle's spec: manifests without a config of their own get the defaults. */
export const bundleSpec = (body: Omit<CreateBundleBody, 'consumer_id'>): ResourceSpec => ({
  type: 'bundle',
  name: body.name ?? '',
  manifests: body.manifests,
  manifest_configs: configsFor(body.manifests.length, body.manifest_configs),
  delete_option: body.delete_option,
  labels: body.labels,
})

const DEFAULT_CONFIG: ManifestConfig = { update_strategy: 'ServerSideApply', feedback_rules: [] }

const configsFor = (count: number, given: readonly ManifestConfig[]): ManifestConfig[] =>
  Array.from({ length: count }, (_, i) => given[i] ?? DEFAULT_CONFIG)

/** The spec a change leaves: what it names replaces what was stored, the rest stays. */
export const patchSpec = (spec: ResourceSpec, patch: SpecPatch): ResourceSpec => {
  const manifests = patch.manifests ?? (patch.manifest ? [patch.manifest] : spec.manifests)
  const first = patch.manifest_configs?.[0] ?? spec.manifest_configs[0] ?? DEFAULT_CONFIG
  const configs =
    spec.type === 'single'
      ? [
          {
            update_strategy: patch.update_strategy ?? first.update_strategy,
            feedback_rules: patch.feedback_rules ?? first.feedback_rules,
          },
        ]
      : configsFor(manifests.length, patch.manifest_configs ?? spec.manifest_configs)
  return {
    ...spec,
    manifests,
    manifest_configs: configs,
    delete_option: patch.delete_option ?? spec.delete_option,
    labels: patch.labels ?? spec.labels,
  }
}
