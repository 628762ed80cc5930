import type { MaestroBundleBody, MaestroManifestConfig } from '../../schema/api/maestro'
import type { Consumer, Resource, ResourceBundle } from '../../schema/api/resources'
import { type Manifest, manifestIdentity } from '../../schema/resources/manifest'
import type {
  AgentResourceStatus,
  Condition,
  FeedbackValues,
  ManifestConfig,
  ManifestStatus,
} from '../../schema/resources/resource'
import { apiError } from '../http/errors'

export const MAESTRO_BASE = '/api/maestro/v1'

export const presentConsumer = (consumer: Consumer) => ({
  id: consumer.id,
  kind: 'Consumer',
  href: `${MAESTRO_BASE}/consumers/${consumer.id}`,
  name: consumer.name,
  labels: consumer.labels,
  created_at: consumer.created_at,
  updated_at: consumer.created_at,
})

const presentConditions = (conditions: readonly Condition[]) =>
  conditions.map((condition) => ({
    type: condition.type,
    status: condition.status,
    reason: condition.reason,
    message: condition.message,
    lastTransitionTime: condition.last_transition_time,
  }))

/** A feedback value as ManifestWork's `statusFeedback` types it. */
const fieldValue = (value: FeedbackValues[string]) => {
  if (typeof value === 'string') return { type: 'String', string: value }
  if (typeof value === 'boolean') return { type: 'Boolean', boolean: value }
  if (typeof value === 'number' && Number.isInteger(value)) return { type: 'Integer', integer: value }
  return { type: 'JsonRaw', jsonRaw: JSON.stringify(value) }
}

/** Each manifest of a bundle as ManifestWork's `resourceStatus.manifests[]` reports it. */
const presentManifests = (manifests: readonly ManifestStatus[]) => ({
  manifests: manifests.map((manifest, ordinal) => {
    const [kind, ...name] = manifest.identity.split('/')
    return {
      resourceMeta: { ordinal, kind, name: name.join('/') },
      statusFeedback: {
        values: Object.entries(manifest.feedback).map(([feedbackName, value]) => ({
          name: feedbackName,
          fieldValue: fieldValue(value),
        })),
      },
      conditions: presentConditions(manifest.conditions),
    }
  }),
})

/**
 * Maestro's status of a resource from the latest agent report: `ContentStatus` holds the
 * feedback values, `ReconcileStatus` the conditions and the version they were observed at,
 * and, for a bundle, `resourceStatus` each manifest's own.
 */
const presentStatus = (reports: readonly AgentResourceStatus[]) => {
  const latest = [...reports].sort((a, b) => a.reported_at.localeCompare(b.reported_at)).at(-1)
  if (!latest) return {}
  return {
    status: {
      ContentStatus: latest.feedback,
      ReconcileStatus: {
        Conditions: presentConditions(latest.conditions),
        ObservedVersion: latest.observed_version,
      },
      ...(latest.manifests ? { resourceStatus: presentManifests(latest.manifests) } : {}),
    },
  }
}

const common = (resource: Resource | ResourceBundle, path: string) => ({
  id: resource.id,
  href: `${MAESTRO_BASE}/${path}/${resource.id}`,
  name: resource.name,
  consumer_name: resource.consumer_name,
  version: resource.version,
  created_at: resource.created_at,
  updated_at: resource.updated_at,
  delete_option: { propagationPolicy: resource.delete_option },
})

export const presentResource = (resource: Resource) => ({
  kind: 'Resource',
  ...common(resource, 'resources'),
  manifest: resource.manifest,
  update_strategy: { type: resource.update_strategy },
  ...presentStatus(resource.status),
})

export const presentBundle = (bundle: ResourceBundle) => ({
  kind: 'ResourceBundle',
  ...common(bundle, 'resource-bundles'),
  metadata: { labels: bundle.labels },
  manifests: bundle.manifests,
  manifest_configs: bundle.manifest_configs.map((config, i) => ({
    resourceIdentifier: { name: identifierName(bundle.manifests[i] as Manifest) },
    updateStrategy: { type: config.update_strategy },
    feedbackRules:
      config.feedback_rules.length === 0 ? [] : [{ type: 'JSONPaths', jsonPaths: config.feedback_rules }],
  })),
  ...presentStatus(bundle.status),
})

const identifierName = (manifest: Manifest) => manifestIdentity(manifest).split('/').slice(1).join('/')

/**
 * Maestro's manifest configs, each placed at the manifest its `resourceIdentifier.name` names;
 * one that names no manifest of the bundle is refused.
 */
export const bundleConfigs = (
  manifests: readonly Manifest[],
  configs: MaestroBundleBody['manifest_configs'],
): ManifestConfig[] => {
  const names = manifests.map(identifierName)
  const placed: ManifestConfig[] = manifests.map(() => ({
    update_strategy: 'ServerSideApply',
    feedback_rules: [],
  }))
  for (const config of configs) {
    const index = names.indexOf(config.resourceIdentifier.name ?? '')
    if (index < 0)
      throw apiError(
        422,
        'unknown_manifest',
        `no manifest of the bundle is named ${config.resourceIdentifier.name}`,
      )
    placed[index] = nativeConfig(config)
  }
  return placed
}

const nativeConfig = (config: MaestroManifestConfig): ManifestConfig => ({
  update_strategy: config.updateStrategy?.type ?? 'ServerSideApply',
  feedback_rules: (config.feedbackRules ?? []).flatMap((rule) => rule.jsonPaths),
})
