import { monotonicFactory } from 'ulid'
import type { AgentFrame, EnrolBody, Enrolled, ServerMessage } from '../../schema/agent/protocol'
import type { Agent, ListSiteAgentsQuery, RefreshedFacts } from '../../schema/api/agents'
import { EventType, type LoggedEvent } from '../../schema/events'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { byId, type Page, toPage } from '../lib/paging'
import { tenantOf } from '../objects'
import type { RequestHandler, SiteFeature, SiteKernel, SocketHandler } from '../site/feature'
import { sendFrame } from '../site/send-frame'
import type { SiteScope } from '../site/site-scope'
import { AGENTS_TAG, type AgentAttachment, agentTag, sendMessage } from './agent-connections'
import { type AgentDecision, decideAgentStatus, decideEnrolment } from './agent-decider'
import { FrameQueue } from './agent-messages'
import { type AgentRegistry, toAgent } from './agent-registry'
import { AgentSockets } from './agent-sockets'
import type { EnrolmentSigner } from './enrolment-signer'
import { EnrolmentTokens } from './enrolment-tokens'

const nextId = monotonicFactory()

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
 * connections (agent-sockets.ts). Its work, at start and on every alarm, is to reconcile
 * presence with the sockets the runtime holds.
 */
export class SiteAgents implements SiteFeature {
  readonly name = 'agents'
  private readonly scope: SiteScope
  /** The agents' connections. */
  private readonly connections: AgentSockets
  readonly sockets: SocketHandler<AgentAttachment> = {
    kind: 'agent',
    message: (socket, attachment, message) => this.connections.message(socket, attachment, message),
    closed: (socket, attachment, reason) => this.connections.closed(socket, attachment, reason),
  }
  readonly requests: RequestHandler = {
    handles: (path) => CONNECT_PATH.test(path),
    handle: (request, url) => this.connections.connect(request, url.pathname),
  }

  readonly tokens: EnrolmentTokens

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteAgentsPorts,
  ) {
    this.scope = kernel.scope
    this.tokens = new EnrolmentTokens(kernel, ports.registry, ports.signer)
    const frames = new FrameQueue({
      siteId: () => this.scope.present().id,
      admit: (frame, agentId) => this.ports.admit(frame, agentId),
      commit: (idempotency, plan) => this.kernel.commit(idempotency, plan),
    })
    this.connections = new AgentSockets(kernel, ports.registry, frames)
  }

  evolve(event: LoggedEvent) {
    this.ports.registry.apply(event)
  }

  work() {
    this.connections.reconcilePresence()
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
        (page) => page.map((row) => this.connections.withLastSeen(toAgent(row, site.id))),
        byId,
      ),
    }
  }

  get(agentId: string): Reply<Agent> {
    const site = this.scope.present()
    const row = this.ports.registry.agent(agentId)
    if (!row) throw apiError(404, 'not_found', 'agent not found')
    return { status: 200, body: this.connections.withLastSeen(toAgent(row, site.id)) }
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
      this.connections.close(agentId, 4003, `agent ${status}`)
    }
    if (status === 'approved') {
      for (const socket of this.kernel.ctx.getWebSockets(agentTag(agentId)))
        this.connections.welcome(socket, agentId)
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
}
