import { monotonicFactory } from 'ulid'
import type { AgentFrame } from '../../../schema/agent/protocol'
import type * as store from '../../../schema/db/site-store'
import { EventType, type LoggedEvent } from '../../../schema/events'
import type {
  Connector,
  ConnectorResourceType,
  ConnectorSync,
  ConnectorSynced,
  ConnectorSyncReported,
  CreateConnectorBody,
  DeliveredConnector,
  UpdateConnectorBody,
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
import { ConnectorFold, type ConnectorState } from './connector-fold'
import { connectorView } from './connector-view'

const nextId = monotonicFactory()

type AgentRow = typeof store.agents.$inferSelect

/** What connectors need beside the kernel: the site's agents, and discovery to take their reports. */
export interface SiteConnectorsPorts {
  agent(agentId: string): AgentRow | undefined
  discovery: Pick<SiteDiscovery, 'observe'>
}

/**
 * Cloud connectors of a site: their configuration, delivered to the agent that runs each one
 * (on connect and on every change), and the sync reports that agent sends back, taken by
 * discovery as the connector's looks and recorded with their counts.
 */
export class SiteConnectors implements SiteFeature {
  readonly name = 'connectors'
  private readonly fold = new ConnectorFold()
  private readonly connectors = this.fold.connectors
  private readonly changedAgents = this.fold.changedAgents

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteConnectorsPorts,
  ) {
    this.fold.replay(kernel.log)
  }

  evolve(event: LoggedEvent) {
    this.fold.apply(event)
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
    return connectorView(connector, this.kernel.scope.present().id, this.kernel.now())
  }
}
