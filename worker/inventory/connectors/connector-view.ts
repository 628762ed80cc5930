import { CONNECTOR_RESOURCE_TYPES, type Connector } from '../../../schema/inventory/connectors'
import type { ConnectorState } from './connector-fold'

/** A connector as callers read it: with each type's last sync and when the next one is due at `now` (ms). */
export function connectorView(connector: ConnectorState, siteId: string, now: number): Connector {
  const { spec } = connector
  const resourceTypes = Object.fromEntries(
    CONNECTOR_RESOURCE_TYPES.map((type) => {
      const interval = spec.intervals[type] ?? false
      const last = connector.lastSync[type] ?? null
      // Never synced, or asked to since: due now; else one interval after the last one started.
      const requested = connector.syncRequests[type] > (last?.seq ?? 0)
      const due =
        interval === false
          ? null
          : new Date(!last || requested ? now : Date.parse(last.started_at) + interval * 1000).toISOString()
      return [type, { interval_seconds: interval, last_sync: last, next_due_at: due }]
    }),
  ) as Connector['resource_types']
  return {
    id: connector.id,
    site_id: siteId,
    name: spec.name,
    provider: spec.provider,
    agent_id: spec.agent_id,
    ...(spec.provider === 'aws' ? { aws: spec.aws } : { openstack: spec.openstack }),
    resource_types: resourceTypes,
    created_at: connector.createdAt,
    updated_at: connector.updatedAt,
  }
}
