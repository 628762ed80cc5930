import type { MiddlewareHandler } from 'hono'
import { log } from '../lib/log'
import type { AppEnv } from './context'

/** One structured line per request: id, route, site, status, duration. Never headers or bodies. */
export const requestLog: MiddlewareHandler<AppEnv> = async function requestLog(c, next) {
  const started = performance.now()
  await next()
  const status = c.res.status
  log(status >= 500 ? 'error' : 'info', 'request', {
    request_id: c.var.requestId,
    method: c.req.method,
    path: c.req.path,
    site_id: c.req.param('siteId') ?? c.var.siteId,
    tenant_id: c.var.caller?.tenantId,
    status,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
  })
}
