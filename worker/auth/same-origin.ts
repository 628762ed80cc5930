import type { Context, MiddlewareHandler } from 'hono'
import { apiError } from '../http/errors'

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Refuses a cookie-carried write, or WebSocket opened with a cookie, unless it proves it comes
 * from our own pages: `Origin` is ours or, where a browser sent none, `Sec-Fetch-Site` says
 * `same-origin`. Defence in depth beside SameSite=Strict, which lets through pages on sibling
 * subdomains. A script holding a session cookie names the platform as its `Origin`.
 */
export const requireSameOrigin = (c: Context) => {
  if (!isUnsafe(c)) return
  const origin = c.req.header('origin')
  if (origin === new URL(c.req.url).origin) return
  if (origin === undefined && c.req.header('sec-fetch-site') === 'same-origin') return
  throw apiError(
    403,
    'cross_origin',
    origin === undefined
      ? 'a write with a session cookie must name this platform in Origin'
      : `requests from ${origin} may not use this session`,
  )
}

const isUnsafe = (c: Context) =>
  UNSAFE_METHODS.has(c.req.method) || c.req.header('upgrade')?.toLowerCase() === 'websocket'

/**
 * For sign-in: a page elsewhere can't sign a browser in. A client that sends no `Origin`
 * (curl, the CLI) has no ambient cookie to abuse here, so it may sign in.
 */
export const sameOrigin: MiddlewareHandler = async function sameOrigin(c, next) {
  const origin = c.req.header('origin')
  if (isUnsafe(c) && origin !== undefined && origin !== new URL(c.req.url).origin)
    throw apiError(403, 'cross_origin', `requests from ${origin} may not use this session`)
  await next()
}
