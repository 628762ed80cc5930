import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { MAX_AGENT_JWT_SECONDS } from '../schema/agent/protocol'
import type { Identity } from './identity'
import type { PrivateKey } from './keys'

/**
 * A bearer token the agent signs with its own key for one request: bound to that request's
 * path (the connect route, or the URL of a file a step transfers), short-lived and unique,
 * so a captured one is worth little and works nowhere else.
 */
export const signAgentToken = (
  key: PrivateKey,
  identity: Pick<Identity, 'agent_id'>,
  audience: string,
  now: number = Date.now(),
): Promise<string> => {
  const issuedAt = Math.floor(now / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(identity.agent_id)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + MAX_AGENT_JWT_SECONDS)
    .setJti(randomUUID())
    .sign(key)
}
