import { decodeJwt, importJWK, jwtVerify } from 'jose'
import { MAX_AGENT_JWT_SECONDS, type ServerMessage } from '../../schema/agent/protocol'
import type * as store from '../../schema/db/site-store'
import { apiError } from '../http/errors'
import { sendFrame } from '../site/send-frame'

type AgentRow = typeof store.agents.$inferSelect

/** Kept on each agent socket, so it survives hibernation. */
export interface AgentAttachment {
  kind: 'agent'
  agentId: string
  /** The origin the agent connected to: URLs sent to it are built on it, as it can reach that one. */
  origin: string
}

export const agentTag = (agentId: string) => `agent:${agentId}`
export const AGENTS_TAG = 'agents'

/** The agent's open connections: none, or one (a newer one replaces an older one). */
export const agentSockets = (ctx: DurableObjectState, agentId: string) => ctx.getWebSockets(agentTag(agentId))

/** Whether the runtime holds a connection of the agent: work goes only to agents it can reach. */
export const isConnected = (ctx: DurableObjectState, agentId: string) => agentSockets(ctx, agentId).length > 0

/** The origin the agent's open connection came to, if it has one. */
export const agentOrigin = (ctx: DurableObjectState, agentId: string): string | undefined => {
  const open = agentSockets(ctx, agentId).find((socket) => socket.readyState === WebSocket.OPEN)
  return (open?.deserializeAttachment() as AgentAttachment | null)?.origin
}

/** A message for an agent, as an effect the kernel sends once its events are stored. */
export const toAgent = (agentId: string, message: ServerMessage) => ({
  kind: 'send' as const,
  to: agentTag(agentId),
  frame: JSON.stringify(message),
})

/** The agent a connect request comes from, proven by a short-lived JWT signed with its Ed25519 key. */
export const authenticateAgent = async (
  request: Request,
  connectPath: string,
  findAgent: (id: string) => AgentRow | undefined,
): Promise<AgentRow> => {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]
  const refused = (message: string) => apiError(401, 'invalid_agent_credentials', message)
  if (!token) throw refused('connect with Authorization: Bearer <agent JWT>')
  let subject: string | undefined
  try {
    subject = decodeJwt(token).sub
  } catch {
    throw refused('the agent JWT is malformed')
  }
  const agent = subject ? findAgent(subject) : undefined
  if (!agent) throw refused('unknown agent')
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: agent.publicKey }, 'EdDSA')
    const { payload } = await jwtVerify(token, key, {
      audience: connectPath,
      algorithms: ['EdDSA'],
      subject: agent.id,
    })
    if (!payload.exp || !payload.iat || payload.exp - payload.iat > MAX_AGENT_JWT_SECONDS) {
      throw new Error('lifetime')
    }
  } catch {
    throw refused(
      `the agent JWT is not valid: sign a fresh one, valid for at most ${MAX_AGENT_JWT_SECONDS} s`,
    )
  }
  if (agent.status === 'rejected' || agent.status === 'revoked') {
    throw apiError(403, `agent_${agent.status}`, `this agent was ${agent.status}; enrol again to connect`)
  }
  return agent
}

export const sendMessage = (socket: WebSocket, message: ServerMessage) =>
  sendFrame(socket, JSON.stringify(message))
