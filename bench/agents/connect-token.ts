import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { MAX_AGENT_JWT_SECONDS } from '../../schema/agent/protocol'

/** The agents' connect route, which is also the audience of their JWT. */
export const connectPath = (siteId: string) => `/v1/sites/${siteId}/agents/connect`

/**
 * The JWT a real agent signs for each connection (agent/token.ts), with the same claims:
 * EdDSA with the agent's own key, `sub` its id, `aud` the connect path, the longest lifetime
 * the platform accepts, and a fresh `jti`. Kept here rather than imported so the bench does
 * not break when the agent's module is reshaped; the platform checks the claims, not the code.
 */
export const signConnectToken = (key: CryptoKey, agentId: string, siteId: string): Promise<string> => {
  const issuedAt = Math.floor(Date.now() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(agentId)
    .setAudience(connectPath(siteId))
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + MAX_AGENT_JWT_SECONDS)
    .setJti(randomUUID())
    .sign(key)
}
