import { type Context, Hono } from 'hono'
import * as v from 'valibot'
import { Ulid } from '../../schema/common'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import { send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { log } from '../lib/log'
import { directoryOf, tenantOf } from '../objects'

const BootstrapBody = v.object({
  domain: v.pipe(
    v.string(),
    v.trim(),
    v.toLowerCase(),
    v.regex(/^[a-z0-9.-]{1,253}$/, 'a domain such as example.com'),
  ),
})

const RecoverAdminBody = v.strictObject({ tenant_id: Ulid })

/** Refuses a caller without the deployment's BOOTSTRAP_TOKEN. */
const requireBootstrapToken = async (c: Context<AppEnv>, what: string) => {
  const token = c.env.BOOTSTRAP_TOKEN
  const given = c.req.header('authorization')?.replace(/^Bearer\s+/i, '')
  if (!token || !given || !(await sameSecret(given, token))) {
    throw apiError(401, 'invalid_credentials', `${what} needs the deployment’s BOOTSTRAP_TOKEN`)
  }
}

/**
 * `POST /v1/bootstrap`: creates the first tenant and its admin API key, once.
 * `POST /v1/bootstrap/recover-admin`: a new admin API key for a tenant whose admin credentials
 * are all lost, audited as `api_key.recover`. Both need the deployment's BOOTSTRAP_TOKEN: a
 * secret only whoever runs the deployment holds (`npm start` keeps it in the data directory;
 * in production it is a wrangler secret).
 */
export const bootstrapRoutes = new Hono<AppEnv>()
  .post('/', requireJson, valid('json', BootstrapBody), async (c) => {
    await requireBootstrapToken(c, 'bootstrap')
    return send(c, await directoryOf(c.env).bootstrap(c.req.valid('json').domain))
  })
  .post('/recover-admin', requireJson, valid('json', RecoverAdminBody), async (c) => {
    await requireBootstrapToken(c, 'recovering an admin key')
    const tenantId = c.req.valid('json').tenant_id
    const key = await tenantOf(c.env, tenantId).recoverAdminKey(
      tenantId,
      c.req.header('cf-connecting-ip') ?? null,
    )
    if (!key) throw apiError(404, 'not_found', 'no tenant with this id')
    log('warn', 'admin key recovered', { tenant_id: tenantId, key_id: key.id })
    return c.json({ tenant_id: tenantId, key_id: key.id, api_key: key.secret }, 201)
  })

/** Compares secrets by their digests, so the time taken says nothing about the secret. */
const sameSecret = async (a: string, b: string) => {
  const digest = async (s: string) =>
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)))
  const [x, y] = await Promise.all([digest(a), digest(b)])
  return x.every((byte, i) => byte === y[i])
}
