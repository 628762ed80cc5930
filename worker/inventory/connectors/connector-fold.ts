import { EventType, type LoggedEvent } from '../../../schema/events'
import {
  CONNECTOR_RESOURCE_TYPES,
  type ConnectorResourceType,
  type ConnectorSpec,
  type ConnectorSync,
  type ConnectorSynced,
} from '../../../schema/inventory/connectors'

/** A connector as its events leave it. */
export interface ConnectorState {
  id: string
  spec: ConnectorSpec
  createdAt: string
  updatedAt: string
  /** The `seq` of the latest "sync now" of each type. */
  syncRequests: Record<ConnectorResourceType, number>
  lastSync: Partial<Record<ConnectorResourceType, ConnectorSync>>
}

/** The events connectors fold, each read on its own so agents' bulky reports are not. */
const FOLDED = [
  EventType.connectorCreated,
  EventType.connectorUpdated,
  EventType.connectorDeleted,
  EventType.connectorSyncRequested,
  EventType.connectorSynced,
] as const

const noRequests = () =>
  Object.fromEntries(CONNECTOR_RESOURCE_TYPES.map((type) => [type, 0])) as Record<
    ConnectorResourceType,
    number
  >

/**
 * A site's connectors as their events leave them, held in memory, and which agents' sets of
 * connectors changed since they were last told.
 */
export class ConnectorFold {
  readonly connectors = new Map<string, ConnectorState>()
  /** Agents whose set of connectors changed since the last reaction. */
  readonly changedAgents = new Set<string>()

  /** Folds the connectors' events of a log, in order. */
  replay(log: { readTypes(type: LoggedEvent['type']): LoggedEvent[] }) {
    const history = FOLDED.flatMap((type) => log.readTypes(type).filter((event) => event.type === type))
    for (const event of history.sort((a, b) => a.seq - b.seq)) this.apply(event)
    this.changedAgents.clear()
  }

  apply(event: LoggedEvent) {
    switch (event.type) {
      case EventType.connectorCreated:
      case EventType.connectorUpdated: {
        const { connector_id, spec } = event.data as { connector_id: string; spec: ConnectorSpec }
        const before = this.connectors.get(connector_id)
        if (before) this.changedAgents.add(before.spec.agent_id)
        this.changedAgents.add(spec.agent_id)
        this.connectors.set(connector_id, {
          id: connector_id,
          spec,
          createdAt: before?.createdAt ?? event.time,
          updatedAt: event.time,
          syncRequests: before?.syncRequests ?? noRequests(),
          lastSync: before?.lastSync ?? {},
        })
        return
      }
      case EventType.connectorDeleted: {
        const { connector_id } = event.data as { connector_id: string }
        const before = this.connectors.get(connector_id)
        if (before) this.changedAgents.add(before.spec.agent_id)
        this.connectors.delete(connector_id)
        return
      }
      case EventType.connectorSyncRequested: {
        const data = event.data as { connector_id: string; resource_types: ConnectorResourceType[] }
        const connector = this.connectors.get(data.connector_id)
        if (!connector) return
        for (const type of data.resource_types) connector.syncRequests[type] = event.seq
        this.changedAgents.add(connector.spec.agent_id)
        return
      }
      case EventType.connectorSynced: {
        const data = event.data as ConnectorSynced
        const connector = this.connectors.get(data.connector_id)
        if (connector) connector.lastSync[data.resource_type] = { seq: event.seq, ...data }
        return
      }
    }
  }
}
