import {
  AGENT_VERSION_HEADER,
  MAX_BATCH_BYTES,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
} from '../../schema/agent/protocol'
import type { Agent } from '../../schema/api/agents'
import { EventType, type SitewireEventBody } from '../../schema/events'
import type { SiteKernel } from '../site/feature'
import {
  AGENTS_TAG,
  type AgentAttachment,
  agentTag,
  authenticateAgent,
  sendMessage,
} from './agent-connections'
import type { FrameQueue } from './agent-messages'
import type { AgentRegistry } from './agent-registry'

/** How often agents refresh their facts. */
const FACTS_INTERVAL_SECONDS = 300

/**
 * The agents' own WebSocket connections (hibernatable; one per agent, a newer one replaces an
 * older one): accepting them, their frames, their presence as the log records it.
 */
export class AgentSockets {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly registry: AgentRegistry,
    private readonly frames: FrameQueue,
  ) {}

  /** Accepts an agent's WebSocket once its JWT proves who it is; an older connection of the same agent is closed. */
  async connect(request: Request, connectPath: string): Promise<Response> {
    this.kernel.scope.present()
    const agent = await authenticateAgent(request, connectPath, (id) => this.registry.agent(id))
    this.close(agent.id, 4000, 'replaced by a newer connection')
    const { 0: client, 1: server } = new WebSocketPair()
    this.kernel.ctx.acceptWebSocket(server, [AGENTS_TAG, agentTag(agent.id)])
    server.serializeAttachment({
      kind: 'agent',
      agentId: agent.id,
      origin: new URL(request.url).origin,
    } satisfies AgentAttachment)
    const version = (request.headers.get(AGENT_VERSION_HEADER) ?? 'unknown').slice(0, 64)
    const protocol = Number(request.headers.get(PROTOCOL_HEADER) ?? PROTOCOL_VERSION)
    // Welcomed first: what the connection's event sets off (steps it missed) comes after.
    this.welcome(server, agent.id)
    this.record(agent.id, EventType.agentConnected, {
      agent_id: agent.id,
      version,
      protocol: Number.isInteger(protocol) ? protocol : PROTOCOL_VERSION,
      address: request.headers.get('cf-connecting-ip'),
    })
    return new Response(null, { status: 101, webSocket: client })
  }

  /** Stores the frames of a message an agent sent and acknowledges them; a bad frame gets an error and the connection stays. */
  message(socket: WebSocket, attachment: AgentAttachment, message: string | ArrayBuffer) {
    this.frames.add(socket, attachment.agentId, message)
  }

  /** Records the agent offline, unless a newer connection of it is still open. */
  closed(socket: WebSocket, attachment: AgentAttachment, reason: 'closed' | 'error') {
    const others = this.kernel.ctx
      .getWebSockets(agentTag(attachment.agentId))
      .filter((other) => other !== socket)
    if (others.length > 0 || !this.kernel.site()) return
    const agent = this.registry.agent(attachment.agentId)
    if (!agent || agent.presence === 'offline') return
    this.record(attachment.agentId, EventType.agentDisconnected, {
      agent_id: attachment.agentId,
      reason: agent.status === 'revoked' || agent.status === 'rejected' ? 'revoked' : reason,
    })
  }

  /**
   * Records offline every agent recorded online that has no connection the runtime holds: after
   * a restart the runtime holds none, and an agent that stopped meanwhile never says goodbye.
   */
  reconcilePresence() {
    if (!this.kernel.site()) return
    const connected = new Set(
      this.kernel.ctx
        .getWebSockets(AGENTS_TAG)
        .map((socket) => (socket.deserializeAttachment() as AgentAttachment | null)?.agentId),
    )
    for (const agentId of this.registry.onlineIds()) {
      if (connected.has(agentId)) continue
      this.record(agentId, EventType.agentDisconnected, { agent_id: agentId, reason: 'lost' })
    }
  }

  /** Tells the agent who it is to the site and how to report. */
  welcome(socket: WebSocket, agentId: string) {
    const status = this.registry.agent(agentId)?.status
    sendMessage(socket, {
      type: 'welcome',
      agent_id: agentId,
      site_id: this.kernel.scope.present().id,
      status: status === 'approved' ? 'approved' : 'pending',
      facts_interval_seconds: FACTS_INTERVAL_SECONDS,
      batch_bytes: MAX_BATCH_BYTES,
    })
  }

  private record(
    agentId: string,
    type: typeof EventType.agentConnected | typeof EventType.agentDisconnected,
    data: never | object,
  ) {
    this.kernel.record([{ type, data } as SitewireEventBody], agentId, `agent/${agentId}`)
  }

  /** Closes every connection of the agent. */
  close(agentId: string, code: number, reason: string) {
    for (const socket of this.kernel.ctx.getWebSockets(agentTag(agentId))) {
      try {
        socket.close(code, reason)
      } catch {
        // Already closing.
      }
    }
  }

  /** Pings answered by the auto-response don't wake the object; their time still counts as seen. */
  withLastSeen(agent: Agent): Agent {
    const pinged = this.kernel.ctx
      .getWebSockets(agentTag(agent.id))
      .map((socket) => this.kernel.ctx.getWebSocketAutoResponseTimestamp(socket)?.toISOString())
      .filter((time): time is string => time !== undefined)
    const latest =
      [agent.last_seen_at, ...pinged]
        .filter((t): t is string => t !== null)
        .sort()
        .at(-1) ?? null
    return { ...agent, last_seen_at: latest }
  }
}
