import { monotonicFactory } from 'ulid'
import {
  AGENT_VERSION_HEADER,
  type AgentFrame,
  type EnrolBody,
  type Enrolled,
  MAX_BATCH_BYTES,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../schema/agent/protocol'
import type { Agent, ListSiteAgentsQuery, RefreshedFacts } from '../../schema/api/agents'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { byId, type Page, toPage } from '../lib/paging'
import { tenantOf } from '../objects'
import type { RequestHandler, SiteFeature, SiteKernel, SocketHandler } from '../site/feature'
import { sendFrame } from '../site/send-frame'
import type { SiteScope } from '../site/site-scope'
import {
  AGENTS_TAG,
  type AgentAttachment,
  agentTag,
  authenticateAgent,
  sendMessage,
} from './agent-connections'
import { type AgentDecision, decideAgentStatus, decideEnrolment } from './agent-decider'
import { FrameQueue } from './agent-messages'
import { type AgentRegistry, toAgent } from './agent-registry'
import type { EnrolmentSigner } from './enrolment-signer'
import { EnrolmentTokens } from './enrolment-tokens'

const nextId = monotonicFactory()
/** How often agents refresh their facts. */
export const FACTS_INTERVAL_SECONDS = 300

/** What the agents need beside the kernel. */
export interface SiteAgentsPorts {
  registry: AgentRegistry
  signer: EnrolmentSigner
  /** Checks a frame against what the site knows beyond its shape; may refile it. */
  admit: (frame: AgentFrame, agentId: string) => AgentFrame
}

const CONNECT_PATH = /\/agents\/connect$/

/**
 * A site's agents: enrolment tokens, enrolment, approval, and the agents' own WebSocket
 * connections (hibernatable; one per agent, a newer one replaces an older one). Its work, at
 * start and on every alarm, is to reconcile presence with the sockets the runtime holds.
 */
export class SiteAgents implements SiteFeature {
  readonly name = 'agents'
  private readonly scope: SiteScope
  private readonly frames: FrameQueue
  readonly sockets: SocketHandler<AgentAttachment> = {
    kind: 'agent',
    message: (socket, attachment, message) => this.message(socket, attachment, message),
    closed: (socket, attachment, reason) => this.closed(socket, attachment, reason),
  }
  readonly requests: RequestHandler = {
    handles: (path) => CONNECT_PATH.test(path),
    handle: (request, url) => this.connect(request, url.pathname),
  }

  readonly tokens: EnrolmentTokens

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteAgentsPorts,
  ) {
    this.scope = kernel.scope
    this.tokens = new EnrolmentTokens(kernel, ports.registry, ports.signer)
    this.frames = new FrameQueue({
      siteId: () => this.scope.present().id,
      admit: (frame, agentId) => this.ports.admit(frame, agentId),
      commit: (idempotency, plan) => this.kernel.commit(idempotency, plan),
    })
  }

  evolve(event: LoggedEvent) {
    this.ports.registry.apply(event)
  }

  work() {
    this.reconcilePresence()
  }

  // Enrolment and decisions

  async enrol(token: string, body: EnrolBody, platformUrl: string): Promise<Reply<Enrolled>> {
    const site = this.scope.present()
    const claims = await this.ports.signer.verify(token, this.kernel.now())
    // The agent trusts this key for builds from now on; it moves to another only along an endorsement.
    const key = await tenantOf(this.kernel.env, site.tenant_id).agentSigningKey()
    const agentId = nextId()
    return this.kernel.commit<Enrolled>(undefined, (time) => {
      const decided = decideEnrolment(
        site,
        this.ports.registry.token(claims.sub),
        claims,
        body,
        agentId,
        time,
      )
      return {
        events: this.scope.events(decided, agentId, `agent/${agentId}`, time),
        reply: () => ({
          status: 201,
          body: {
            agent_id: agentId,
            site_id: site.id,
            status: this.ports.registry.agent(agentId)?.status === 'approved' ? 'approved' : 'pending',
            connect_url: `${platformUrl.replace(/^http/, 'ws')}/v1/sites/${site.id}/agents/connect`,
            signing_key: key && { public_key: key.public_key, endorsement: key.endorsement },
          },
        }),
      }
    })
  }

  list(query: ListSiteAgentsQuery): Reply<Page<Agent>> {
    const site = this.scope.present()
    const rows = this.ports.registry.agents(query)
    return {
      status: 200,
      body: toPage(
        rows,
        query.limit,
        (page) => page.map((row) => this.withLastSeen(toAgent(row, site.id))),
        byId,
      ),
    }
  }

  get(agentId: string): Reply<Agent> {
    const site = this.scope.present()
    const row = this.ports.registry.agent(agentId)
    if (!row) throw apiError(404, 'not_found', 'agent not found')
    return { status: 200, body: this.withLastSeen(toAgent(row, site.id)) }
  }

  decide(
    agentId: string,
    decision: AgentDecision,
    reason: string | undefined,
    actor: string,
    idempotency: IdempotencyClaim | undefined,
  ): Reply<Agent> {
    const site = this.scope.present()
    const reply = this.kernel.write<Agent>(
      idempotency,
      { subject: agentId, actor },
      () => decideAgentStatus(this.ports.registry.agent(agentId), decision, reason),
      () => ({
        status: 200,
        body: toAgent(
          this.ports.registry.agent(agentId) as NonNullable<ReturnType<AgentRegistry['agent']>>,
          site.id,
        ),
      }),
    )
    const status = this.ports.registry.agent(agentId)?.status
    if (status === 'rejected' || status === 'revoked') {
      for (const socket of this.kernel.ctx.getWebSockets(agentTag(agentId))) {
        sendMessage(socket, {
          type: 'error',
          code: `agent_${status}`,
          message: `this agent was ${status}`,
          event_id: null,
          retryable: false,
        })
      }
      this.closeAgent(agentId, 4003, `agent ${status}`)
    }
    if (status === 'approved') {
      for (const socket of this.kernel.ctx.getWebSockets(agentTag(agentId))) this.welcome(socket, agentId)
    }
    return reply
  }

  /** Asks every connected agent for its complete facts now; answers how many were asked. */
  refreshFacts(actor: string, idempotency: IdempotencyClaim | undefined): Reply<RefreshedFacts> {
    this.scope.present()
    const sockets = this.kernel.ctx.getWebSockets(AGENTS_TAG)
    const reply = this.kernel.commit<RefreshedFacts>(idempotency, (time) => ({
      events: this.scope.events(
        [{ type: EventType.agentFactsRefreshRequested, data: { agents: sockets.length } }],
        this.scope.present().id,
        actor,
        time,
      ),
      reply: () => ({ status: 202, body: { agents: sockets.length } }),
    }))
    const frame = JSON.stringify({ type: 'refresh_facts' } satisfies ServerMessage)
    for (const socket of sockets) sendFrame(socket, frame)
    return reply
  }

  // Connections

  /** Accepts an agent's WebSocket once its JWT proves who it is; an older connection of the same agent is closed. */
  async connect(request: Request, connectPath: string): Promise<Response> {
    this.scope.present()
    const agent = await authenticateAgent(request, connectPath, (id) => this.ports.registry.agent(id))
    this.closeAgent(agent.id, 4000, 'replaced by a newer connection')
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
    const agent = this.ports.registry.agent(attachment.agentId)
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
    for (const agentId of this.ports.registry.onlineIds()) {
      if (connected.has(agentId)) continue
      this.record(agentId, EventType.agentDisconnected, { agent_id: agentId, reason: 'lost' })
    }
  }

  private welcome(socket: WebSocket, agentId: string) {
    const status = this.ports.registry.agent(agentId)?.status
    sendMessage(socket, {
      type: 'welcome',
      agent_id: agentId,
      site_id: this.scope.present().id,
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

  private closeAgent(agentId: string, code: number, reason: string) {
    for (const socket of this.kernel.ctx.getWebSockets(agentTag(agentId))) {
      try {
        socket.close(code, reason)
      } catch {
        // Already closing.
      }
    }
  }

  /** Pings answered by the auto-response don't wake the object; their time still counts as seen. */
  private withLastSeen(agent: Agent): Agent {
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
