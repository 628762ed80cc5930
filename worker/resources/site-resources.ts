import { monotonicFactory } from 'ulid'
import type { AgentFrame } from '../../schema/agent/protocol'
import type {
  Consumer,
  ListResourcesQuery,
  Resource,
  ResourceBundle,
  StatusHistoryEntry,
} from '../../schema/api/resources'
import type * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent } from '../../schema/events'
import { type ConsumerSpec, selectorOf } from '../../schema/resources/consumer'
import type { DesiredResource } from '../../schema/resources/desired'
import type { ResourceSettings, ResourceSpec, ResourceType } from '../../schema/resources/resource'
import { AGENTS_TAG, type AgentAttachment, isConnected, toAgent } from '../agents/agent-connections'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply, toPage } from '../lib/paging'
import type { SiteEffect, SiteFeature, SiteKernel } from '../site/feature'
import { desiredMessages } from './desired-messages'
import { type ConsumerRow, ResourceBook, type ResourceRow } from './resource-book'
import {
  decideDeletionSettled,
  decideResources,
  type ResourceCommand,
  type ResourceEntry,
  type ResourceState,
  requireResource,
} from './resource-decider'
import { bundleView, consumerView, historyView, resourceView } from './resource-views'

const nextId = monotonicFactory()

type AgentRow = typeof store.agents.$inferSelect

/**
 * What the resources need beside the kernel: the site's agents, to know whom a consumer names,
 * and whether a file uploaded to the site exists, for `File` manifests that name one.
 */
export interface SiteResourcesPorts {
  agent: (agentId: string) => AgentRow | undefined
  fileExists: (fileId: string) => boolean
}

/** The stored files a spec's `File` manifests name, by where they are named. */
const namedFiles = (spec: ResourceSpec) =>
  spec.manifests.flatMap((manifest, index) => {
    const fileId = manifest.kind === 'File' ? (manifest as { file_id?: string }).file_id : undefined
    return fileId === undefined ? [] : [{ index, fileId }]
  })

/** A resource of either type, as its own view shows it. */
export type AnyResource<K extends ResourceType> = K extends 'single' ? Resource : ResourceBundle

/** Which page of a list by offset, and fields that must equal a value. */
export interface ResourceSearch {
  offset: number
  limit: number
  consumer_name?: string
  name?: string
  id?: string
}

/** A page of a list by offset, and how many items match in all. */
export interface Found<T> {
  total: number
  items: T[]
}

/** Events after which agents may hold a different desired set. */
const CHANGES_DESIRED = new Set<string>([
  EventType.resourceCreated,
  EventType.resourceUpdated,
  EventType.resourceDeleteRequested,
  EventType.resourceDeleted,
])

/** Whether a consumer names this agent: by its id, or by every label of its selector. */
const names = (consumer: ConsumerRow, agentId: string, agent: AgentRow): boolean => {
  if (consumer.agentId !== null) return consumer.agentId === agentId
  const selector = selectorOf({ name: consumer.name, agent_id: null, selector: consumer.selector }) ?? {}
  return Object.entries(selector).every(([key, value]) => agent.labels[key] === value)
}

/**
 * A site's desired state: consumers (one agent, or agents chosen by labels), the resources and
 * bundles each one is to keep true, versioned, and the status their agents report. Every change
 * sends each of the consumer's connected agents its complete desired set; so does connecting.
 */
export class SiteResources implements SiteFeature {
  readonly name = 'resources'
  readonly book: ResourceBook
  private settings: ResourceSettings = { applier: null }

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteResourcesPorts,
  ) {
    this.book = new ResourceBook(kernel.db)
    for (const event of kernel.log.readTypes(EventType.resourceSettingsChanged))
      this.settings = event.data as ResourceSettings
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
    if (event.type === EventType.resourceSettingsChanged) this.settings = event.data as ResourceSettings
  }

  react(events: readonly LoggedEvent[]): SiteEffect[] {
    const agents = new Set<string>()
    for (const event of events) {
      const data = event.data as { resource_id?: string; agent_id?: string; deleted?: boolean }
      if (CHANGES_DESIRED.has(event.type)) {
        const row = this.book.anyResource(data.resource_id as string)
        const consumer = row && this.book.consumer(row.consumerId)
        for (const agentId of consumer ? this.agentsOf(consumer) : []) agents.add(agentId)
      } else if (event.type === EventType.agentConnected || event.type === EventType.agentApproved) {
        agents.add(data.agent_id as string)
      } else if (event.type === EventType.resourceSettingsChanged) {
        for (const agentId of this.connectedAgents()) agents.add(agentId)
      } else if (event.type === EventType.resourceStatusReported && data.deleted) {
        this.settleDeletion(data.resource_id as string)
      } else if (event.type === EventType.agentRevoked || event.type === EventType.agentRejected) {
        // A resource being deleted no longer waits for an agent that will never report again.
        for (const resourceId of this.book.resourcesReportedBy(data.agent_id as string))
          this.settleDeletion(resourceId)
      }
    }
    const set = events.at(-1)?.id ?? ''
    return [...agents]
      .filter((agentId) => isConnected(this.kernel.ctx, agentId))
      .flatMap((agentId) =>
        desiredMessages(set, this.desiredFor(agentId), this.settings.applier).map((message) =>
          toAgent(agentId, message),
        ),
      )
  }

  /** An agent may report only on resources its consumers give it; the report is filed under the resource. */
  admit(frame: AgentFrame, agentId: string): AgentFrame {
    if (frame.type !== EventType.resourceStatusReported) return frame
    const row = this.book.resource(frame.data.resource_id)
    const consumer = row && this.book.consumer(row.consumerId)
    if (!consumer || !this.targets(consumer, agentId))
      throw apiError(404, 'unknown_resource', 'this agent is given no such resource')
    return { ...frame, subject: frame.data.resource_id }
  }

  // Consumers

  createConsumer(spec: ConsumerSpec, actor: string, idempotency?: IdempotencyClaim): Reply<Consumer> {
    this.kernel.scope.active()
    if (spec.agent_id !== null && !this.ports.agent(spec.agent_id))
      throw apiError(422, 'unknown_agent', 'no such agent in this site')
    const consumerId = nextId()
    const existing = this.book.consumerNamed(spec.name)
    return this.decide(
      idempotency,
      consumerId,
      actor,
      { consumers: existing ? { [existing.id]: existing } : {}, resources: {} },
      { type: 'create_consumer', consumerId, spec },
      () => ({ status: 201, body: this.consumerView(this.requireConsumer(consumerId)) }),
    )
  }

  deleteConsumer(consumerId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Consumer> {
    this.kernel.scope.active()
    const replay = this.kernel.replay(idempotency)
    if (replay) return replay as Reply<Consumer>
    const consumer = this.requireConsumer(consumerId)
    const before = this.consumerView(consumer)
    const resources = Object.fromEntries(
      this.book.resourcesOf(consumerId).map((row) => [row.id, this.entry(row)]),
    )
    return this.decide(
      idempotency,
      consumerId,
      actor,
      { consumers: { [consumer.id]: consumer }, resources },
      { type: 'delete_consumer', consumerId },
      () => ({ status: 200, body: before }),
    )
  }

  getConsumer(consumerId: string): Reply<Consumer> {
    this.kernel.scope.present()
    return { status: 200, body: this.consumerView(this.requireConsumer(consumerId)) }
  }

  consumerNamed(name: string): Reply<Consumer> {
    this.kernel.scope.present()
    const row = this.book.consumerNamed(name)
    if (!row) throw apiError(404, 'not_found', 'consumer not found')
    return { status: 200, body: this.consumerView(row) }
  }

  listConsumers(limit: number, cursor: string | undefined): Reply<Page<Consumer>> {
    this.kernel.scope.present()
    return pageReply(this.book.consumers(limit, cursor), limit, (row) => this.consumerView(row))
  }

  // Settings

  getSettings(): Reply<ResourceSettings> {
    this.kernel.scope.present()
    return { status: 200, body: this.settings }
  }

  /** Replaces the site's resource settings; every connected agent gets them with its desired set. */
  updateSettings(
    settings: ResourceSettings,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<ResourceSettings> {
    const site = this.kernel.scope.active()
    return this.kernel.write(
      idempotency,
      { subject: site.id, actor },
      () =>
        JSON.stringify(settings) === JSON.stringify(this.settings)
          ? []
          : [{ type: EventType.resourceSettingsChanged, data: settings }],
      () => ({ status: 200, body: this.settings }),
    )
  }

  // Resources and bundles

  create<K extends ResourceType>(
    kind: K,
    consumerId: string,
    spec: ResourceSpec,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<AnyResource<K>> {
    this.kernel.scope.active()
    this.requireFiles(spec)
    const consumer = this.book.consumer(consumerId)
    const resourceId = nextId()
    return this.decide(
      idempotency,
      resourceId,
      actor,
      { consumers: consumer ? { [consumer.id]: consumer } : {}, resources: {} },
      { type: 'create_resource', resourceId, consumerId, spec: { ...spec, name: spec.name || resourceId } },
      () => ({ status: 201, body: this.view(kind, this.requireRow(resourceId, kind)) }),
    )
  }

  /** Changes a resource: `change` makes the new spec from the stored one; `version` must be the stored version. */
  update<K extends ResourceType>(
    kind: K,
    resourceId: string,
    version: number,
    change: (spec: ResourceSpec) => ResourceSpec,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<AnyResource<K>> {
    this.kernel.scope.active()
    const replay = this.kernel.replay(idempotency)
    if (replay) return replay as Reply<AnyResource<K>>
    const row = this.requireRow(resourceId, kind)
    const spec = change(row.spec)
    this.requireFiles(spec)
    return this.decide(
      idempotency,
      resourceId,
      actor,
      this.stateOf(row),
      { type: 'update_resource', resourceId, kind, version, spec },
      () => ({ status: 200, body: this.view(kind, this.requireRow(resourceId, kind)) }),
    )
  }

  /**
   * Asks for a resource's deletion. Orphan, or nothing applied yet: gone at once. Foreground:
   * the agents remove it, and it is gone when none holds it any more.
   */
  remove<K extends ResourceType>(
    kind: K,
    resourceId: string,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<AnyResource<K>> {
    this.kernel.scope.active()
    const replay = this.kernel.replay(idempotency)
    if (replay) return replay as Reply<AnyResource<K>>
    const row = this.requireRow(resourceId, kind)
    const before = this.view(kind, row)
    return this.decide(
      idempotency,
      resourceId,
      actor,
      this.stateOf(row),
      { type: 'delete_resource', resourceId, kind },
      () => ({ status: 200, body: { ...before, deleting: true } }),
    )
  }

  get<K extends ResourceType>(kind: K, resourceId: string): Reply<AnyResource<K>> {
    this.kernel.scope.present()
    return { status: 200, body: this.view(kind, this.requireRow(resourceId, kind)) }
  }

  list<K extends ResourceType>(kind: K, query: ListResourcesQuery): Reply<Page<AnyResource<K>>> {
    this.kernel.scope.present()
    const rows = this.book.resources(kind, {
      limit: query.limit,
      cursor: query.cursor,
      consumerId: query.consumer_id,
    })
    return pageReply(rows, query.limit, (row) => this.view(kind, row))
  }

  /** A page of resources by offset and exact fields, and how many match: for maestro's lists. */
  find<K extends ResourceType>(kind: K, search: ResourceSearch): Reply<Found<AnyResource<K>>> {
    this.kernel.scope.present()
    let consumerId: string | undefined
    if (search.consumer_name !== undefined) {
      consumerId = this.book.consumerNamed(search.consumer_name)?.id
      if (consumerId === undefined) return { status: 200, body: { total: 0, items: [] } }
    }
    const { rows, total } = this.book.resourcePage(
      kind,
      { consumerId, name: search.name, id: search.id },
      search.offset,
      search.limit,
    )
    return { status: 200, body: { total, items: rows.map((row) => this.view(kind, row)) } }
  }

  findConsumers(search: Omit<ResourceSearch, 'consumer_name'>): Reply<Found<Consumer>> {
    this.kernel.scope.present()
    const { rows, total } = this.book.consumerPage(
      { name: search.name, id: search.id },
      search.offset,
      search.limit,
    )
    return { status: 200, body: { total, items: rows.map((row) => this.consumerView(row)) } }
  }

  /** A resource's status reports, newest first. */
  history(
    kind: ResourceType,
    resourceId: string,
    limit: number,
    cursor: string | undefined,
  ): Reply<Page<StatusHistoryEntry>> {
    this.kernel.scope.present()
    this.requireRow(resourceId, kind)
    const rows = this.book.history(resourceId, limit, cursor === undefined ? undefined : Number(cursor))
    return {
      status: 200,
      body: toPage(
        rows,
        limit,
        (page) => page.map(historyView),
        (last) => String(last.seq),
      ),
    }
  }

  // Agents

  /** Every resource an agent is to keep, with versions; those being deleted are marked. */
  desiredFor(agentId: string): DesiredResource[] {
    // The agent is looked up once, and only the consumers that may name it are read.
    const agent = this.ports.agent(agentId)
    if (agent?.status !== 'approved') return []
    return this.book
      .consumersFor(agentId)
      .filter((consumer) => names(consumer, agentId, agent))
      .flatMap((consumer) => this.book.resourcesOf(consumer.id))
      .map((row) => ({
        resource_id: row.id,
        version: row.version,
        spec: row.spec,
        deleting: row.deleteRequestedAt !== null,
      }))
  }

  /** Whether the agent keeps a resource whose `File` manifest names this stored file: it may download it. */
  keepsFile(agentId: string, fileId: string): boolean {
    return this.desiredFor(agentId).some(
      (resource) => !resource.deleting && namedFiles(resource.spec).some((named) => named.fileId === fileId),
    )
  }

  /** Every stored file a spec names must exist in the site (else 422, naming where). */
  private requireFiles(spec: ResourceSpec) {
    const unknown = namedFiles(spec).filter(({ fileId }) => !this.ports.fileExists(fileId))
    if (unknown.length > 0)
      throw apiError(
        422,
        'unknown_file',
        'a File manifest names a file this site does not have',
        unknown.map(({ index, fileId }) => ({
          path: `manifests.${index}.file_id`,
          message: `no file ${fileId}`,
        })),
      )
  }

  /** Whether a consumer names this approved agent. */
  private targets(consumer: ConsumerRow, agentId: string): boolean {
    const agent = this.ports.agent(agentId)
    return agent?.status === 'approved' && names(consumer, agentId, agent)
  }

  private agentsOf(consumer: ConsumerRow): string[] {
    if (consumer.agentId !== null) return this.targets(consumer, consumer.agentId) ? [consumer.agentId] : []
    return this.connectedAgents().filter((agentId) => this.targets(consumer, agentId))
  }

  private connectedAgents(): string[] {
    return this.kernel.ctx
      .getWebSockets(AGENTS_TAG)
      .map((socket) => (socket.deserializeAttachment() as AgentAttachment | null)?.agentId)
      .filter((agentId): agentId is string => agentId !== undefined)
  }

  private settleDeletion(resourceId: string) {
    const row = this.book.resource(resourceId)
    if (!row) return
    const settled = decideDeletionSettled(this.entry(row))
    if (settled.length > 0) this.kernel.record(settled, resourceId, 'system/resources')
  }

  // Internals

  private decide<T>(
    idempotency: IdempotencyClaim | undefined,
    subject: string,
    actor: string,
    state: ResourceState,
    command: ResourceCommand,
    reply: () => Reply<T>,
  ): Reply<T> {
    return this.kernel.write(idempotency, { subject, actor }, () => decideResources(state, command), reply)
  }

  private stateOf(row: ResourceRow): ResourceState {
    return { consumers: {}, resources: { [row.id]: this.entry(row) } }
  }

  private entry(row: ResourceRow): ResourceEntry {
    return {
      id: row.id,
      consumerId: row.consumerId,
      version: row.version,
      spec: row.spec,
      deleting: row.deleteRequestedAt !== null,
      // Only agents that may still report hold it: a revoked one never will.
      heldBy: this.book
        .statuses(row.id)
        .filter((status) => !status.deleted && this.ports.agent(status.agentId)?.status === 'approved')
        .map((status) => status.agentId),
    }
  }

  private requireConsumer(consumerId: string): ConsumerRow {
    const row = this.book.consumer(consumerId)
    if (!row) throw apiError(404, 'not_found', 'consumer not found')
    return row
  }

  private requireRow(resourceId: string, kind: ResourceType): ResourceRow {
    const row = this.book.resource(resourceId)
    if (!row)
      throw apiError(404, 'not_found', kind === 'single' ? 'resource not found' : 'resource bundle not found')
    requireResource(this.stateOf(row), resourceId, kind)
    return row
  }

  private consumerView(row: ConsumerRow): Consumer {
    return consumerView(row, this.kernel.scope.present().id)
  }

  private view<K extends ResourceType>(kind: K, row: ResourceRow): AnyResource<K> {
    const siteId = this.kernel.scope.present().id
    const consumer = this.book.consumer(row.consumerId)
    if (!consumer) throw new Error(`resource ${row.id} has no consumer`)
    const statuses = this.book.statuses(row.id)
    return (
      kind === 'single'
        ? resourceView(row, siteId, consumer, statuses)
        : bundleView(row, siteId, consumer, statuses)
    ) as AnyResource<K>
  }
}
