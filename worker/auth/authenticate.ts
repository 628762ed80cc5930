import type { Context, MiddlewareHandler } from 'hono'
import type { Role } from '../../schema/api/access'
import { atLeast, type Principal, roleOn } from '../access/principal'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import { tenantOf } from '../objects'
import { sha256Hex, tenantOfKey } from './api-keys'
import { principalCache } from './principal-cache'
import { requireSameOrigin } from './same-origin'
import { hasSessionCookie, sessionTokenOf } from './session-cookie'

/**
 * Puts the caller's principal on the context, or answers 401: from `Authorization: Bearer
 * <api key>`, or, without that header, from the browser's session cookie.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async function authenticate(c, next) {
  const header = c.req.header('authorization')
  const principal =
    header === undefined && hasSessionCookie(c) ? await bySession(c) : await byApiKey(c, header)
  c.set('principal', principal)
  c.set('caller', {
    tenantId: principal.tenantId,
    actor: principal.actor,
    address: c.req.header('cf-connecting-ip') ?? null,
  })
  await next()
}

const byApiKey = async (c: Context<AppEnv>, header: string | undefined): Promise<Principal> => {
  if (!header)
    throw apiError(401, 'unauthenticated', 'send an API key as Authorization: Bearer <key>, or sign in')
  const secret = /^Bearer\s+(\S+)$/i.exec(header)?.[1]
  const tenantId = secret ? tenantOfKey(secret) : undefined
  if (!secret || !tenantId) throw apiError(401, 'invalid_credentials', 'the API key is not valid')
  const principal = await verifiedKey(c, tenantId, await sha256Hex(secret))
  if (!principal)
    throw apiError(401, 'invalid_credentials', 'the API key is not valid, or was revoked or has expired')
  if (!principal.scopes.includes('api'))
    throw apiError(403, 'insufficient_scope', 'this key does not have the api scope')
  return principal
}

/** A key's principal from this isolate's cache, or from its tenant's object (then cached). */
const verifiedKey = async (c: Context<AppEnv>, tenantId: string, hash: string) => {
  const cached = principalCache.get(hash)
  if (cached) return cached
  const verified = await tenantOf(c.env, tenantId).authenticateKey(hash)
  if (!verified) return null
  principalCache.set(hash, verified.principal, verified.expiresAt)
  return verified.principal
}

const bySession = async (c: Context<AppEnv>): Promise<Principal> => {
  const token = sessionTokenOf(c)
  const principal = token
    ? await tenantOf(c.env, token.tenantId).authenticateSession(await sha256Hex(token.secret))
    : null
  if (!principal)
    throw apiError(401, 'invalid_session', 'the session has ended or is not valid; sign in again')
  requireSameOrigin(c)
  return principal
}

/**
 * Lets the request through when the principal's role is at least `needed`: on the site in
 * the path for `on: 'site'`, on the whole tenant otherwise. A site the principal may not
 * see answers 404, exactly as a site that does not exist.
 */
export const authorize = (needed: Role, on: 'tenant' | 'site' = 'tenant'): MiddlewareHandler<AppEnv> =>
  async function authorize(c, next) {
    const siteId = on === 'site' ? c.req.param('siteId') : undefined
    const role = roleOn(c.var.principal, siteId)
    if (role === null && on === 'site') throw apiError(404, 'not_found', 'site not found')
    if (!atLeast(role, needed)) throw apiError(403, 'forbidden', `this needs the ${needed} role`)
    await next()
  }

/** The signed-in user and session of a request made with a session cookie; 403 for an API key. */
export const sessionUserOf = (c: Context<AppEnv>) => {
  const { actor, sessionId } = c.var.principal
  if (actor.type !== 'user' || sessionId === null)
    throw apiError(403, 'session_required', 'this is for a signed-in user; an API key cannot do it')
  return { userId: actor.id, sessionId }
}
