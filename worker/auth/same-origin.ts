import type { Context, MiddlewareHandler } from 'hono'
import { apiError } from '../http/errors'

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Refuses a cookie-carried write, or WebSocket opened with a cookie, from another origin:
 * a browser names the page's origin in `Origin`, and it must be ours. Defence in depth
 * beside SameSite=Strict, which lets through pages on sibling subdomains. Clients that send
 * no `Origin` (curl, scripts) carry no ambient cookie to abuse.
 */
export const requireSameOrigin = (c: Context) => {
  const opensSocket = c.req.header('upgrade')?.toLowerCase() === 'websocket'
  if (!UNSAFE_METHODS.has(c.req.method) && !opensSocket) return
  const origin = c.req.header('origin')
  if (origin !== undefined && origin !== new URL(c.req.url).origin)
    throw apiError(403, 'cross_origin', `requests from ${origin} may not use this session`)
}

/** `requireSameOrigin` as middleware, for sign-in: a page elsewhere can't sign a browser in. */
export const sameOrigin: MiddlewareHandler = async function sameOrigin(c, next) {
  requireSameOrigin(c)
  await next()
}
