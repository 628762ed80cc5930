import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import * as v from 'valibot'
import { HookAccepted } from '../../schema/api/alerts'
import { Ulid } from '../../schema/common'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { valid } from '../http/validation'
import { siteOf } from '../objects'

/** Largest delivery a sender may post. */
export const MAX_DELIVERY_BYTES = 1024 * 1024

const HookParam = v.object({ siteId: Ulid, integrationId: Ulid })

const DESCRIPTION =
  'Where a monitoring tool posts to an integration. No API key: the integration’s own credentials ' +
  '(a bearer or basic secret, an HMAC signature, an SNS message signature, a Google OIDC token, a token in the URL) ' +
  'are checked as its kind says. A refusal for credentials is counted (see the integration’s refusals) and its ' +
  'body is not kept. An accepted delivery is recorded as it came, then each of its alerts fires, updates or ' +
  'resolves its series, in one transaction.'

const receive = route({
  summary: 'Deliver alerts',
  tag: 'Alerts',
  anonymous: true,
  description: DESCRIPTION,
  ok: { status: 200, schema: HookAccepted, description: 'The delivery and what each alert led to' },
  errors: {
    401: 'The credentials do not hold (`details.reason` says why)',
    404: 'No such site or integration',
    409: 'The site is archived, or the delivery id was accepted before (`duplicate_delivery`)',
    413: `The body is over ${MAX_DELIVERY_BYTES} bytes`,
    503: 'An SNS subscription could not be confirmed; SNS sends it again',
  },
})

/** `/v1/hooks/{siteId}/{integrationId}`: deliveries from monitoring tools. */
export const hookRoutes = new Hono<AppEnv>()
  .use(
    '/:siteId/:integrationId',
    bodyLimit({
      maxSize: MAX_DELIVERY_BYTES,
      onError: () => {
        throw apiError(413, 'body_too_large', `deliveries are at most ${MAX_DELIVERY_BYTES} bytes`)
      },
    }),
  )
  // CloudEvents webhook abuse protection: a sender asks before it delivers.
  .options('/:siteId/:integrationId', (c) => {
    const origin = c.req.header('webhook-request-origin')
    if (!origin) return c.body(null, 405, { Allow: 'POST, PUT' })
    return c.body(null, 200, {
      Allow: 'POST, PUT',
      'WebHook-Allowed-Origin': origin,
      'WebHook-Allowed-Rate': '*',
    })
  })
  .on(['POST', 'PUT'], '/:siteId/:integrationId', receive, valid('param', HookParam), async (c) => {
    const { siteId, integrationId } = c.req.valid('param')
    const answer = await siteOf(c.env, siteId).receiveHook(integrationId, {
      method: c.req.method,
      url: c.req.url,
      headers: [...c.req.raw.headers.entries()],
      body: new Uint8Array(await c.req.arrayBuffer()),
      sourceAddress: c.req.header('cf-connecting-ip') ?? 'unknown',
    })
    return send(c, answer)
  })
