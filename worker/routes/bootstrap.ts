import { Hono } from 'hono'
import * as v from 'valibot'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import { send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { directoryOf } from '../objects'

const BootstrapBody = v.object({
  domain: v.pipe(
    v.string(),
    v.trim(),
    v.toLowerCase(),
    v.regex(/^[a-z0-9.-]{1,253}$/, 'a domain such as example.com'),
  ),
})

/**
 * `POST /v1/bootstrap`: creates the first tenant and its admin API key, once. It needs the
 * deployment's BOOTSTRAP_TOKEN, which `npm start` generates locally on every start.
 */
export const bootstrapRoutes = new Hono<AppEnv>().post(
  '/',
  requireJson,
  valid('json', BootstrapBody),
  async (c) => {
    const token = c.env.BOOTSTRAP_TOKEN
    const given = c.req.header('authorization')?.replace(/^Bearer\s+/i, '')
    if (!token || !given || !(await sameSecret(given, token))) {
      throw apiError(401, 'invalid_credentials', 'bootstrap needs the deployment’s BOOTSTRAP_TOKEN')
    }
    return send(c, await directoryOf(c.env).bootstrap(c.req.valid('json').domain))
  },
)

/** Compares secrets by their digests, so the time taken says nothing about the secret. */
const sameSecret = async (a: string, b: string) => {
  const digest = async (s: string) =>
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)))
  const [x, y] = await Promise.all([digest(a), digest(b)])
  return x.every((byte, i) => byte === y[i])
}
