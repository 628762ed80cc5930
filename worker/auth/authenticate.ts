import type { MiddlewareHandler } from 'hono'
import type { KeyPrincipal } from '../directory/directory'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import { directoryOf } from '../objects'
import { API_KEY_PATTERN, hashApiKey } from './api-keys'

/** Reads `Authorization: Bearer <api key>` and puts the caller on the context, or answers 401. */
export const authenticate: MiddlewareHandler<AppEnv> = async function authenticate(c, next) {
  const header = c.req.header('authorization')
  if (!header) throw apiError(401, 'unauthenticated', 'send an API key as Authorization: Bearer <key>')
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  const secret = match?.[1]
  if (!secret || !API_KEY_PATTERN.test(secret))
    throw apiError(401, 'invalid_credentials', 'the API key is not valid')
  const principal = await directoryOf(c.env).authenticate(await hashApiKey(secret))
  if (!principal) throw apiError(401, 'invalid_credentials', 'the API key is not valid')
  c.set('principal', principal)
  c.set('caller', { tenantId: principal.tenantId, actor: `apikey/${principal.keyId}` })
  await next()
}

const RANK: Record<KeyPrincipal['role'], number> = { viewer: 1, operator: 2, admin: 3 }

/** Lets the request through only when the caller's role is at least `role`. */
export const requireRole = (role: KeyPrincipal['role']): MiddlewareHandler<AppEnv> =>
  async function requireRole(c, next) {
    if (RANK[c.var.principal.role] < RANK[role]) {
      throw apiError(403, 'forbidden', `this needs the ${role} role`)
    }
    await next()
  }
