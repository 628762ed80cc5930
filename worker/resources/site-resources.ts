import { monotonicFactory } from 'ulid'
import type { AgentFrame } from '../../schema/agent/protocol'
import type { Consumer } from '../../schema/api/resources'
import { EventType, type LoggedEvent } from '../../schema/events'
import type { ConsumerSpec } from '../../schema/resources/consumer'
import type { ResourceSettings, ResourceSpec, ResourceType } from '../../schema/resources/resource'
import { isConnected, toAgent } from '../agents/agent-connections'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import type { SiteEffect, SiteFeature, SiteKernel } from '../site/feature'
import { desiredMessages } from './desired-messages'
import { ResourceBook } from './resource-book'
import {
  decideDeletionSettled,
  decideResources,
  type ResourceCommand,
  type ResourceState,
} from './resource-decider'
import { type AgentRow, namedFiles, ResourceKeepers } from './resource-keepers'
import { type AnyResource, ResourceReads } from './resource-reads'

const nextId = monotonicFactory()

/**
 * What the resources need beside the kernel: the site's agents, to know whom a consumer names,
 * and whether a file uploaded to the site exists, for `File` manifests that name one.
 */
export interface SiteResourcesPorts {
  agent: (agentId: string) => AgentRow | undefined
  fileExists: (fileId: string) => boolean
}

/** Events after which agents may hold a different desired set. */
const CHANGES_DESIRED = new Set<string>([
  EventType.resourceCreated,
  EventType.resourceUpdated,
  EventType.resourceDeleteRequested,
  EventType.resourceDeleted,
])

/**
 * A site's desired state: consumers (one agent, or agents chosen by labels), the resources and
 * bundles each one is to keep true, versioned, and the status their agents report. Every change
 * sends each of the consumer's connected agents its complete desired set; so does connecting.
 */
export class SiteResources implements SiteFeature {
  readonly name = 'resources'
  readonly book: ResourceBook
  /** Which agents keep which resources. */
  readonly keepers: ResourceKeepers
  /** What callers read, and the state commands are decided on. */
  readonly reads: ResourceReads
  private settings: ResourceSettings = { applier: null }

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteResourcesPorts,
  ) {
    this.book = new ResourceBook(kernel.db)
    this.keepers = new ResourceKeepers(this.book, ports.agent, kernel.ctx)
    this.reads = new ResourceReads(kernel, this.book, ports.agent)
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
        for (const agentId of consumer ? this.keepers.agentsOf(consumer) : []) agents.add(agentId)
      } else if (event.type === EventType.agentConnected || event.type === EventType.agentApproved) {
        agents.add(data.agent_id as string)
      } else if (event.type === EventType.resourceSettingsChanged) {
        for (const agentId of this.keepers.connected()) agents.add(agentId)
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
        desiredMessages(set, this.keepers.desiredFor(agentId), this.settings.applier).map((message) =>
          toAgent(agentId, message),
        ),
      )
  }

  /** An agent may report only on resources its consumers give it; the report is filed under the resource. */
  admit(frame: AgentFrame, agentId: string): AgentFrame {
    if (frame.type !== EventType.resourceStatusReported) return frame
    const row = this.book.resource(frame.data.resource_id)
    const consumer = row && this.book.consumer(row.consumerId)
    if (!consumer || !this.keepers.targets(consumer, agentId))
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
      () => ({ status: 201, body: this.reads.consumerView(this.reads.requireConsumer(consumerId)) }),
    )
  }

  deleteConsumer(consumerId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Consumer> {
    this.kernel.scope.active()
    const replay = this.kernel.replay(idempotency)
    if (replay) return replay as Reply<Consumer>
    const consumer = this.reads.requireConsumer(consumerId)
    const before = this.reads.consumerView(consumer)
    const resources = Object.fromEntries(
      this.book.resourcesOf(consumerId).map((row) => [row.id, this.reads.entry(row)]),
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
      () => ({ status: 201, body: this.reads.view(kind, this.reads.requireRow(resourceId, kind)) }),
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
    const row = this.reads.requireRow(resourceId, kind)
    const spec = change(row.spec)
    this.requireFiles(spec)
    return this.decide(
      idempotency,
      resourceId,
      actor,
      this.reads.stateOf(row),
      { type: 'update_resource', resourceId, kind, version, spec },
      () => ({ status: 200, body: this.reads.view(kind, this.reads.requireRow(resourceId, kind)) }),
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
    const row = this.reads.requireRow(resourceId, kind)
    const before = this.reads.view(kind, row)
    return this.decide(
      idempotency,
      resourceId,
      actor,
      this.reads.stateOf(row),
      { type: 'delete_resource', resourceId, kind },
      () => ({ status: 200, body: { ...before, deleting: true } }),
    )
  }

  // Agents

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

  private settleDeletion(resourceId: string) {
    const row = this.book.resource(resourceId)
    if (!row) return
    const settled = decideDeletionSettled(this.reads.entry(row))
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
}
