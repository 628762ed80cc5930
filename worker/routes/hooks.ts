import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import * as v from 'valibot'
import { HookAccepted, TenantHookAccepted } from '../../schema/api/alerts'
import { Ulid } from '../../schema/common'
import type { HookInput } from '../alerts/hook-reading'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { valid } from '../http/validation'
import { siteOf, tenantOf } from '../objects'

/** Largest delivery a sender may post. */
export const MAX_DELIVERY_BYTES = 1024 * 1024

const HookParam = v.object({ siteId: Ulid, integrationId: Ulid })
const TenantHookParam = v.object({ tenantId: Ulid, integrationId: Ulid })

const DESCRIPTION =
  'Where a monitoring tool posts to an integration. No API key: the integration’s own credentials ' +
  '(a bearer or basic secret, an HMAC signature, an SNS message signature, a Google OIDC token, a token in the URL) ' +
  'are checked as its kind says. A refusal for credentials is counted (see the integration’s refusals) and its ' +
  'body is not kept. An accepted delivery is recorded as it came, then each of its alerts fires, updates or ' +
  'resolves its series, in one transaction.'

/** What any delivery may be refused for, whoever it is for. */
const DELIVERY_ERRORS = {
  401: 'The credentials do not hold (`details.reason` says why)',
  413: `The body is over ${MAX_DELIVERY_BYTES} bytes`,
  503: 'An SNS subscription could not be confirmed; SNS sends it again',
}

const receive = route({
  summary: 'Deliver alerts',
  tag: 'Alerts',
  anonymous: true,
  description: DESCRIPTION,
  ok: { status: 200, schema: HookAccepted, description: 'The delivery and what each alert led to' },
  errors: {
    ...DELIVERY_ERRORS,
    404: 'No such site or integration',
    409: 'The site is archived, or the delivery id was accepted before (`duplicate_delivery`)',
  },
})

const limitDelivery = bodyLimit({
  maxSize: MAX_DELIVERY_BYTES,
  onError: () => {
    throw apiError(413, 'body_too_large', `deliveries are at most ${MAX_DELIVERY_BYTES} bytes`)
  },
})

/** CloudEvents webhook abuse protection: a sender asks before it delivers. */
const handshake = (c: Context<AppEnv>) => {
  const origin = c.req.header('webhook-request-origin')
  if (!origin) return c.body(null, 405, { Allow: 'POST, PUT' })
  return c.body(null, 200, {
    Allow: 'POST, PUT',
    'WebHook-Allowed-Origin': origin,
    'WebHook-Allowed-Rate': '*',
  })
}

/** The delivery as it came, for the object that checks and reads it. */
const hookInput = async (c: Context<AppEnv>): Promise<HookInput> => ({
  method: c.req.method,
  url: c.req.url,
  headers: [...c.req.raw.headers.entries()],
  body: new Uint8Array(await c.req.arrayBuffer()),
  sourceAddress: c.req.header('cf-connecting-ip') ?? 'unknown',
})

const receiveForTenant = route({
  summary: 'Deliver alerts to a tenant-wide integration',
  tag: 'Alerts',
  anonymous: true,
  description:
    'As a site’s hook, for an integration that belongs to no site: the delivery is checked and kept by the ' +
    'tenant, and each alert is handed to the site its labels name (see the integration’s `routing`). The answer ' +
    'says, per alert, its site and what it led to there; `pending` when its site could not take it yet (it is ' +
    'handed over again), `unrouted` when it names no site.',
  ok: { status: 200, schema: TenantHookAccepted, description: 'The delivery and where each alert went' },
  errors: {
    ...DELIVERY_ERRORS,
    404: 'No such tenant or integration',
    409: 'The delivery id was accepted before (`duplicate_delivery`)',
  },
})

/** `/v1/hooks/…`: deliveries from monitoring tools, to a site's integration or a tenant-wide one. */
export const hookRoutes = new Hono<AppEnv>()
  .use('/tenants/:tenantId/:integrationId', limitDelivery)
  .options('/tenants/:tenantId/:integrationId', handshake)
  .on(
    ['POST', 'PUT'],
    '/tenants/:tenantId/:integrationId',
    receiveForTenant,
    valid('param', TenantHookParam),
    async (c) => {
      const { tenantId, integrationId } = c.req.valid('param')
      return send(c, await tenantOf(c.env, tenantId).receiveHook(integrationId, await hookInput(c)))
    },
  )
  .use('/:siteId/:integrationId', limitDelivery)
  .options('/:siteId/:integrationId', handshake)
  .on(['POST', 'PUT'], '/:siteId/:integrationId', receive, valid('param', HookParam), async (c) => {
    const { siteId, integrationId } = c.req.valid('param')
    return send(c, await siteOf(c.env, siteId).receiveHook(integrationId, await hookInput(c)))
  })
