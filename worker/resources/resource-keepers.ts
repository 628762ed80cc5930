import type * as store from '../../schema/db/site-store'
import { selectorOf } from '../../schema/resources/consumer'
import type { DesiredResource } from '../../schema/resources/desired'
import type { ResourceSpec } from '../../schema/resources/resource'
import { AGENTS_TAG, type AgentAttachment } from '../agents/agent-connections'
import type { ConsumerRow, ResourceBook } from './resource-book'

export type AgentRow = typeof store.agents.$inferSelect

/** The stored files a spec's `File` manifests name, by where they are named. */
export const namedFiles = (spec: ResourceSpec) =>
  spec.manifests.flatMap((manifest, index) => {
    const fileId = manifest.kind === 'File' ? (manifest as { file_id?: string }).file_id : undefined
    return fileId === undefined ? [] : [{ index, fileId }]
  })

/** Whether a consumer names this agent: by its id, or by every label of its selector. */
const names = (consumer: ConsumerRow, agentId: string, agent: AgentRow): boolean => {
  if (consumer.agentId !== null) return consumer.agentId === agentId
  const selector = selectorOf({ name: consumer.name, agent_id: null, selector: consumer.selector }) ?? {}
  return Object.entries(selector).every(([key, value]) => agent.labels[key] === value)
}

/**
 * Which agents keep which resources: a consumer names one agent, or every approved agent whose
 * labels match its selector, and each of them keeps all the consumer's resources.
 */
export class ResourceKeepers {
  constructor(
    private readonly book: ResourceBook,
    private readonly agent: (agentId: string) => AgentRow | undefined,
    private readonly ctx: DurableObjectState,
  ) {}

  /** Every resource an agent is to keep, with versions; those being deleted are marked. */
  desiredFor(agentId: string): DesiredResource[] {
    // The agent is looked up once, and only the consumers that may name it are read.
    const agent = this.agent(agentId)
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

  /** Whether a consumer names this approved agent. */
  targets(consumer: ConsumerRow, agentId: string): boolean {
    const agent = this.agent(agentId)
    return agent?.status === 'approved' && names(consumer, agentId, agent)
  }

  /** The agents a consumer names that could be told now: its one agent, or the connected ones its selector matches. */
  agentsOf(consumer: ConsumerRow): string[] {
    if (consumer.agentId !== null) return this.targets(consumer, consumer.agentId) ? [consumer.agentId] : []
    return this.connected().filter((agentId) => this.targets(consumer, agentId))
  }

  /** The agents with a socket open to the site now. */
  connected(): string[] {
    return this.ctx
      .getWebSockets(AGENTS_TAG)
      .map((socket) => (socket.deserializeAttachment() as AgentAttachment | null)?.agentId)
      .filter((agentId): agentId is string => agentId !== undefined)
  }
}
