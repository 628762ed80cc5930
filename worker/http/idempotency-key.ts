import type { MiddlewareHandler } from 'hono'
import { streamsFile } from '../files/paths'
import type { AppEnv } from './context'
import { apiError } from './errors'

const KEY = /^[\x21-\x7e]{1,255}$/

/**
 * Reads `Idempotency-Key` on writes and fingerprints the request (method, path, body), so
 * the object that does the write can replay the first answer or refuse a changed request.
 * Keys are scoped to the API key that sent them.
 */
export const idempotencyKey: MiddlewareHandler<AppEnv> = async function idempotencyKey(c, next) {
  const key = c.req.header('idempotency-key')
  if (key === undefined || c.req.method === 'GET') {
    c.set('idempotency', undefined)
    return next()
  }
  if (!KEY.test(key))
    throw apiError(400, 'invalid_idempotency_key', 'Idempotency-Key is 1-255 visible ASCII characters')
  // A file upload (up to MAX_FILE_BYTES) is fingerprinted by what announces it, never read here.
  const body = streamsFile(c.req.method, c.req.path)
    ? `${new URL(c.req.url).search} ${c.req.header('content-length')}`
    : await c.req.text()
  const material = `${c.req.method} ${c.req.path}\n${body}`
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(material))
  const fingerprint = btoa(String.fromCharCode(...new Uint8Array(digest)))
  c.set('idempotency', {
    key: `${c.var.principal.actor.type}/${c.var.principal.actor.id}:${key}`,
    fingerprint,
  })
  await next()
}
