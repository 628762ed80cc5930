import type { Consumer, Resource, ResourceBundle, StatusHistoryEntry } from '../../schema/api/resources'
import type { AgentResourceStatus } from '../../schema/resources/resource'
import type { ConsumerRow, ResourceRow, ResourceStatusRow, StatusHistoryRow } from './resource-book'

export const consumerView = (row: ConsumerRow, siteId: string): Consumer => ({
  id: row.id,
  site_id: siteId,
  name: row.name,
  agent_id: row.agentId,
  selector: row.selector,
  labels: row.labels,
  created_at: row.createdAt,
})

export const statusView = (row: ResourceStatusRow): AgentResourceStatus => ({
  agent_id: row.agentId,
  observed_version: row.observedVersion,
  conditions: row.conditions,
  feedback: row.feedback,
  ...(row.manifests ? { manifests: row.manifests } : {}),
  reported_at: row.reportedAt,
})

const common = (row: ResourceRow, siteId: string, consumer: ConsumerRow, statuses: ResourceStatusRow[]) => ({
  id: row.id,
  site_id: siteId,
  consumer_id: row.consumerId,
  consumer_name: consumer.name,
  name: row.spec.name,
  version: row.version,
  delete_option: row.spec.delete_option,
  labels: row.spec.labels,
  deleting: row.deleteRequestedAt !== null,
  status: statuses.map(statusView),
  created_at: row.createdAt,
  updated_at: row.updatedAt,
})

/** A single resource: its one manifest and that manifest's config, flattened. */
export const resourceView = (
  row: ResourceRow,
  siteId: string,
  consumer: ConsumerRow,
  statuses: ResourceStatusRow[],
): Resource => {
  const [manifest] = row.spec.manifests
  const config = row.spec.manifest_configs[0]
  if (!manifest) throw new Error(`resource ${row.id} has no manifest`)
  return {
    ...common(row, siteId, consumer, statuses),
    manifest,
    update_strategy: config?.update_strategy ?? 'ServerSideApply',
    feedback_rules: config?.feedback_rules ?? [],
  }
}

export const bundleView = (
  row: ResourceRow,
  siteId: string,
  consumer: ConsumerRow,
  statuses: ResourceStatusRow[],
): ResourceBundle => ({
  ...common(row, siteId, consumer, statuses),
  manifests: row.spec.manifests,
  manifest_configs: row.spec.manifest_configs,
})

export const historyView = (row: StatusHistoryRow): StatusHistoryEntry => ({
  seq: row.seq,
  agent_id: row.agentId,
  observed_version: row.observedVersion,
  conditions: row.conditions,
  feedback: row.feedback,
  ...(row.manifests ? { manifests: row.manifests } : {}),
  deleted: row.deleted,
  reported_at: row.reportedAt,
})
