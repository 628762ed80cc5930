import { monotonicFactory } from 'ulid'
import type { AgentFrame } from '../../../schema/agent/protocol'
import type * as store from '../../../schema/db/site-store'
import { EventType, type LoggedEvent } from '../../../schema/events'
import {
  CONNECTOR_RESOURCE_TYPES,
  type Connector,
  type ConnectorResourceType,
  type ConnectorSpec,
  type ConnectorSync,
  type ConnectorSynced,
  type ConnectorSyncReported,
  type CreateConnectorBody,
  type DeliveredConnector,
  type UpdateConnectorBody,
} from '../../../schema/inventory/connectors'
import { isConnected, toAgent } from '../../agents/agent-connections'
import { apiError } from '../../http/errors'
import type { IdempotencyClaim, Reply } from '../../lib/idempotency'
import { type Page, pageReply, toPage } from '../../lib/paging'
import type { SiteEffect, SiteFeature, SiteKernel } from '../../site/feature'
import type { SiteDiscovery } from '../site-discovery'
import {
  type ConnectorCommand,
  type ConnectorContext,
  decideConnector,
  reportObservation,
  requireConnector,
  syncedEvent,
} from './connector-decider'

const nextId = monotonicFactory()

type AgentRow = typeof store.agents.$inferSelect

/** What connectors need beside the kernel: the site's agents, and discovery to take their reports. */
export interface SiteConnectorsPorts {
  agent(agentId: string): AgentRow | undefined
  discovery: Pick<SiteDiscovery, 'observe'>
}

/** A connector as its events leave it. */
interface ConnectorState {
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
 * Cloud connectors of a site: their configuration, delivered to the agent that runs each one
 * (on connect and on every change), and the sync reports that agent sends back, taken by
 * discovery as the connector's looks and recorded with their counts.
 */
export class SiteConnectors implements SiteFeature {
  readonly name = 'connectors'
  private readonly connectors = new Map<string, ConnectorState>()
  /** Agents whose set of connectors changed since the last reaction. */
  private readonly changedAgents = new Set<string>()

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteConnectorsPorts,
  ) {
    const history = FOLDED.flatMap((type) =>
      kernel.log.readTypes(type).filter((event) => event.type === type),
    )
    for (const event of history.sort((a, b) => a.seq - b.seq)) this.evolve(event)
    this.changedAgents.clear()
  }

  evolve(event: LoggedEvent) {
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

  react(events: readonly LoggedEvent[]): SiteEffect[] {
    const agents = new Set(this.changedAgents)
    this.changedAgents.clear()
    for (const event of events) {
      if (event.type === EventType.agentConnected || event.type === EventType.agentApproved)
        agents.add((event.data as { agent_id: string }).agent_id)
      if (event.type === EventType.connectorSyncReported) this.takeReport(event.data as ConnectorSyncReported)
    }
    return [...agents]
      .filter(
        (agentId) =>
          this.ports.agent(agentId)?.status === 'approved' && isConnected(this.kernel.ctx, agentId),
      )
      .map((agentId) => toAgent(agentId, { type: 'connectors', connectors: this.deliveredTo(agentId) }))
  }

  /** An agent reports only on the connectors it runs; its report is filed under the connector. */
  admit(frame: AgentFrame, agentId: string): AgentFrame {
    if (frame.type !== EventType.connectorSyncReported) return frame
    const connector = this.connectors.get(frame.data.connector_id)
    if (connector?.spec.agent_id !== agentId)
      throw apiError(404, 'unknown_connector', 'this agent runs no such connector')
    return { ...frame, subject: connector.id }
  }

  /** The connectors an agent runs, as it is sent them. */
  deliveredTo(agentId: string): DeliveredConnector[] {
    return [...this.connectors.values()]
      .filter((connector) => connector.spec.agent_id === agentId)
      .map((connector) => ({
        connector_id: connector.id,
        spec: connector.spec,
        sync_requests: { ...connector.syncRequests },
      }))
  }

  create(body: CreateConnectorBody, actor: string, idempotency?: IdempotencyClaim): Reply<Connector> {
    this.kernel.scope.active()
    const connectorId = nextId()
    return this.decide(idempotency, connectorId, actor, { type: 'create', connectorId, body }, () => ({
      status: 201,
      body: this.view(this.require(connectorId)),
    }))
  }

  update(
    connectorId: string,
    patch: UpdateConnectorBody,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<Connector> {
    this.kernel.scope.active()
    return this.decide(idempotency, connectorId, actor, { type: 'update', connectorId, patch }, () => ({
      status: 200,
      body: this.view(this.require(connectorId)),
    }))
  }

  remove(connectorId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Connector> {
    this.kernel.scope.active()
    const replay = this.kernel.replay(idempotency)
    if (replay) return replay as Reply<Connector>
    const before = this.view(this.require(connectorId))
    return this.decide(idempotency, connectorId, actor, { type: 'delete', connectorId }, () => ({
      status: 200,
      body: before,
    }))
  }

  /** "Sync now": the agent syncs the types named (all it reads, by default) as soon as it hears. */
  requestSync(
    connectorId: string,
    resourceTypes: ConnectorResourceType[] | undefined,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<Connector> {
    this.kernel.scope.active()
    return this.decide(
      idempotency,
      connectorId,
      actor,
      { type: 'request_sync', connectorId, resourceTypes },
      () => ({ status: 202, body: this.view(this.require(connectorId)) }),
    )
  }

  get(connectorId: string): Reply<Connector> {
    this.kernel.scope.present()
    return { status: 200, body: this.view(this.require(connectorId)) }
  }

  list(limit: number, cursor: string | undefined): Reply<Page<Connector>> {
    this.kernel.scope.present()
    const rows = [...this.connectors.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .filter((connector) => cursor === undefined || connector.id > cursor)
      .slice(0, limit + 1)
    return pageReply(rows, limit, (connector) => this.view(connector))
  }

  /** A connector's syncs, newest first. */
  syncs(connectorId: string, limit: number, cursor: string | undefined): Reply<Page<ConnectorSync>> {
    this.kernel.scope.present()
    this.require(connectorId)
    const before = cursor === undefined ? Number.POSITIVE_INFINITY : Number(cursor)
    const seqs = this.kernel.log
      .seqsOf(connectorId, EventType.connectorSynced)
      .filter((seq) => seq < before)
      .reverse()
      .slice(0, limit + 1)
    const events = this.kernel.log.readSeqs(seqs).reverse()
    return {
      status: 200,
      body: toPage(
        events,
        limit,
        (page) => page.map((event) => ({ seq: event.seq, ...(event.data as ConnectorSynced) })),
        (last) => String(last.seq),
      ),
    }
  }

  /** Discovery takes the report as the connector's look; its counts and errors are recorded with it. */
  private takeReport(report: ConnectorSyncReported) {
    if (!this.connectors.has(report.connector_id)) return
    this.ports.discovery.observe(reportObservation(report), (decision) => [
      { body: syncedEvent(report, decision), subject: report.connector_id },
    ])
  }

  private context(): ConnectorContext {
    return {
      connector: (connectorId) => this.connectors.get(connectorId),
      agentExists: (agentId) => this.ports.agent(agentId) !== undefined,
    }
  }

  private decide<T>(
    idempotency: IdempotencyClaim | undefined,
    subject: string,
    actor: string,
    command: ConnectorCommand,
    reply: () => Reply<T>,
  ): Reply<T> {
    return this.kernel.write(
      idempotency,
      { subject, actor },
      () => decideConnector(this.context(), command),
      reply,
    )
  }

  private require(connectorId: string): ConnectorState {
    requireConnector(this.context(), connectorId)
    return this.connectors.get(connectorId) as ConnectorState
  }

  private view(connector: ConnectorState): Connector {
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
            : new Date(
                !last || requested ? this.kernel.now() : Date.parse(last.started_at) + interval * 1000,
              ).toISOString()
        return [type, { interval_seconds: interval, last_sync: last, next_due_at: due }]
      }),
    ) as Connector['resource_types']
    return {
      id: connector.id,
      site_id: this.kernel.scope.present().id,
      name: spec.name,
      provider: spec.provider,
      agent_id: spec.agent_id,
      ...(spec.provider === 'aws' ? { aws: spec.aws } : { openstack: spec.openstack }),
      resource_types: resourceTypes,
      created_at: connector.createdAt,
      updated_at: connector.updatedAt,
    }
  }
}
