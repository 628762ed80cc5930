import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { MAX_AGENT_JWT_SECONDS } from '../schema/agent/protocol'
import { connectPath, type Identity } from './identity'
import type { PrivateKey } from './keys'

/**
 * The bearer token of one connection attempt: signed with the agent's own key, bound to its
 * site's connect route, short-lived and unique, so a captured one is worth little.
 */
export const signConnectToken = (
  key: PrivateKey,
  identity: Pick<Identity, 'agent_id' | 'site_id'>,
  now: number = Date.now(),
): Promise<string> => {
  const issuedAt = Math.floor(now / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(identity.agent_id)
    .setAudience(connectPath(identity.site_id))
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + MAX_AGENT_JWT_SECONDS)
    .setJti(randomUUID())
    .sign(key)
}
