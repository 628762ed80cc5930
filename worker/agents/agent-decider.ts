import type { EnrolBody, EnrolmentClaims } from '../../schema/agent/protocol'
import type { Site } from '../../schema/api/sites'
import type * as store from '../../schema/db/site-store'
import { EventType, type SitewireEventBody } from '../../schema/events'
import { apiError } from '../http/errors'

type AgentRow = typeof store.agents.$inferSelect
type TokenRow = typeof store.enrolmentTokens.$inferSelect

/** Decides an enrolment: the token must be this site's, live, and not used up. */
export const decideEnrolment = (
  site: Site,
  token: TokenRow | undefined,
  claims: EnrolmentClaims,
  body: EnrolBody,
  agentId: string,
  now: string,
): SitewireEventBody[] => {
  const refused = (message: string) => apiError(401, 'invalid_enrolment_token', message)
  if (!token || claims.site !== site.id) throw refused('the enrolment token is not valid for this site')
  if (token.revokedAt) throw refused('the enrolment token was revoked')
  if (token.expiresAt <= now) throw refused('the enrolment token has expired')
  if (token.uses >= token.maxUses) throw refused('the enrolment token has been used up')
  if (site.status === 'archived') throw apiError(409, 'site_archived', 'the site is archived')
  return [
    {
      type: EventType.agentEnrolled,
      data: {
        agent_id: agentId,
        token_id: token.id,
        public_key: body.public_key,
        hostname: body.hostname,
        labels: { ...body.labels, ...token.labels },
        status: site.agent_approval === 'required' ? 'pending' : 'approved',
      },
    },
  ]
}

export type AgentDecision = 'approve' | 'reject' | 'revoke'

/** Decides an operator's approval, rejection or revocation of an agent. */
export const decideAgentStatus = (
  agent: AgentRow | undefined,
  decision: AgentDecision,
  reason?: string,
): SitewireEventBody[] => {
  if (!agent) throw apiError(404, 'not_found', 'agent not found')
  const data = reason === undefined ? { agent_id: agent.id } : { agent_id: agent.id, reason }
  switch (decision) {
    case 'approve':
      if (agent.status === 'approved') return []
      if (agent.status !== 'pending') throw apiError(409, 'agent_not_pending', `the agent is ${agent.status}`)
      return [{ type: EventType.agentApproved, data }]
    case 'reject':
      if (agent.status === 'rejected') return []
      if (agent.status !== 'pending') throw apiError(409, 'agent_not_pending', `the agent is ${agent.status}`)
      return [{ type: EventType.agentRejected, data }]
    case 'revoke':
      if (agent.status === 'revoked') return []
      return [{ type: EventType.agentRevoked, data }]
  }
}
