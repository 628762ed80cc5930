import type WebSocket from 'ws'
import { resourceStatusReported } from '../../agent/frames'
import { conditionsOf } from '../../agent/resources/resource-status'
import type { ServerMessage } from '../../schema/agent/protocol'
import type { DesiredResource } from '../../schema/resources/desired'
import { forEachLimited } from '../agents/limited'
import { enrolSimAgent, openSimAgentSocket, type SimIdentity, SimOutbox } from '../lib/sim-agent'

type ResourcesMessage = Extract<ServerMessage, { type: 'resources' }>

/** One simulated agent: who it is, its socket, the set it is assembling, what it reported, its outbox. */
interface Agent extends SimIdentity {
  socket?: WebSocket
  outbox: SimOutbox
  pendingSet?: { set: string; parts: DesiredResource[][] }
  /** Per resource: the version last reported applied, and the report counter. */
  reported: Map<string, { version: number; report: number }>
}

/**
 * Simulated agents that are real to the platform (the enrolment, keys and JWTs of
 * bench/agents) and keep resources as agent/resources does, minus touching the host: on each
 * complete desired set, every resource at a version not yet reported gets one
 * `resource.status_reported` frame with the conditions the agent's own `conditionsOf` makes
 * for a manifest just applied (Applied=True), through the real agent's outbox window.
 */
export class SimResourceAgents {
  readonly agents: Agent[] = []
  #closing = false
  closedUnexpectedly = 0
  refused = 0
  firstRefusal: string | undefined

  async enrol(url: string, token: string, count: number, concurrency: number, deadline: number) {
    const errors: string[] = []
    await forEachLimited(count, concurrency, deadline, performance.now.bind(performance), async (index) => {
      try {
        const identity = await enrolSimAgent(url, token, `bench-resources-${index}`)
        this.agents.push({ ...identity, outbox: new SimOutbox(), reported: new Map() })
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error))
      }
    })
    if (this.agents.length < count)
      throw new Error(`${this.agents.length} of ${count} agents enrolled; first error: ${errors[0]}`)
  }

  async connect(url: string, siteId: string, concurrency: number, deadline: number) {
    const errors: string[] = []
    await forEachLimited(
      this.agents.length,
      concurrency,
      deadline,
      performance.now.bind(performance),
      async (index) => {
        const agent = this.agents[index] as Agent
        try {
          agent.socket = await openSimAgentSocket({
            url,
            siteId,
            identity: agent,
            version: 'bench-resources',
            outbox: agent.outbox,
            onMessage: (message) => this.#handle(agent, siteId, message),
            onClose: () => {
              if (!this.#closing) this.closedUnexpectedly += 1
            },
          })
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error))
        }
      },
    )
    const open = this.agents.filter((agent) => agent.socket).length
    if (open < this.agents.length)
      throw new Error(`${open} of ${this.agents.length} agents connected; first error: ${errors[0]}`)
  }

  #handle(agent: Agent, siteId: string, message: ServerMessage) {
    switch (message.type) {
      case 'resources':
        return this.#desiredPart(agent, siteId, message)
      case 'ack':
        for (const id of message.ids) agent.outbox.settle(id)
        return agent.outbox.pump(agent.socket)
      case 'error':
        this.refused += 1
        this.firstRefusal ??= `${message.code}: ${message.message}`
        if (message.event_id) agent.outbox.settle(message.event_id)
        return agent.outbox.pump(agent.socket)
    }
  }

  /** Parts of a set wait for the rest, as agent/session.ts assembles them. */
  #desiredPart(agent: Agent, siteId: string, message: ResourcesMessage) {
    if (agent.pendingSet?.set !== message.set) agent.pendingSet = { set: message.set, parts: [] }
    agent.pendingSet.parts[message.part - 1] = message.resources
    if (agent.pendingSet.parts.filter((part) => part !== undefined).length < message.parts) return
    const desired = agent.pendingSet.parts.flat()
    agent.pendingSet = undefined
    this.#applied(agent, siteId, desired)
  }

  #applied(agent: Agent, siteId: string, desired: readonly DesiredResource[]) {
    const now = new Date().toISOString()
    for (const resource of desired) {
      if (resource.deleting) continue
      const before = agent.reported.get(resource.resource_id)
      if (before && before.version === resource.version) continue
      const report = (before?.report ?? 0) + 1
      agent.reported.set(resource.resource_id, { version: resource.version, report })
      const conditions = conditionsOf(
        [{ applied: true, changed: true, available: true, message: 'wrote the file', observed: {} }],
        { values: {}, unsynced: [] },
        { version: resource.version, appliedVersion: before?.version ?? null, previous: [], now },
      )
      const frame = resourceStatusReported(
        { site_id: siteId, agent_id: agent.agentId },
        {
          resource_id: resource.resource_id,
          report,
          observed_version: resource.version,
          conditions,
          feedback: {},
          deleted: false,
        },
      )
      agent.outbox.push(frame.id, JSON.stringify(frame))
    }
    agent.outbox.pump(agent.socket)
  }

  close() {
    this.#closing = true
    for (const agent of this.agents) agent.socket?.terminate()
  }
}
