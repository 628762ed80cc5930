import { RpcTarget } from 'cloudflare:workers'
import type { CreateEnrolmentTokenBody, ListSiteAgentsQuery } from '../../schema/api/agents'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { AgentDecision } from './agent-decider'
import type { SiteAgents } from './site-agents'

/** A site's agents and enrolment tokens, as one caller reaches them. */
export class AgentsApi extends RpcTarget {
  constructor(
    private readonly agents: SiteAgents,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  createToken(input: CreateEnrolmentTokenBody, write: WriteContext, platformUrl: string) {
    return this.scope.answerAsync(() =>
      this.agents.tokens.create(input, actorOf(write), write.idempotency, platformUrl),
    )
  }

  listTokens(limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.agents.tokens.list(limit, cursor))
  }

  revokeToken(tokenId: string, write: WriteContext) {
    return this.scope.answer(() => this.agents.tokens.revoke(tokenId, actorOf(write), write.idempotency))
  }

  list(query: ListSiteAgentsQuery) {
    return this.scope.answer(() => this.agents.list(query))
  }

  get(agentId: string) {
    return this.scope.answer(() => this.agents.get(agentId))
  }

  decide(agentId: string, decision: AgentDecision, reason: string | undefined, write: WriteContext) {
    return this.scope.answer(() =>
      this.agents.decide(agentId, decision, reason, actorOf(write), write.idempotency),
    )
  }

  refreshFacts(write: WriteContext) {
    return this.scope.answer(() => this.agents.refreshFacts(actorOf(write), write.idempotency))
  }
}
