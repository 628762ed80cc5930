import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { describeRoute, resolver } from 'hono-openapi'
import type * as v from 'valibot'
import { ErrorBody } from '../../schema/common'
import type { Reply } from '../lib/idempotency'

/** Sends an object's answer as it is: its status and its body. */
export const send = (c: Context, reply: Reply) =>
  c.json(reply.body as object, reply.status as ContentfulStatusCode)

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: resolver(ErrorBody) } },
})

/** Errors any authenticated route may answer with. */
const COMMON_ERRORS = {
  400: errorResponse('Invalid input; `details` names each field'),
  401: errorResponse('Missing or invalid API key'),
  403: errorResponse('The key may not do this'),
  404: errorResponse('Not found, or not visible to this key'),
}

/** Documents a route: summary, tag, the success body, and the errors it adds to the common ones. */
export const route = (spec: {
  summary: string
  tag: string
  ok: { status: number; schema?: v.GenericSchema; description: string }
  errors?: Record<number, string>
  description?: string
}) =>
  describeRoute({
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.description ? { description: spec.description } : {}),
    security: [{ apiKey: [] }],
    responses: {
      [spec.ok.status]: {
        description: spec.ok.description,
        ...(spec.ok.schema ? { content: { 'application/json': { schema: resolver(spec.ok.schema) } } } : {}),
      },
      ...COMMON_ERRORS,
      ...Object.fromEntries(
        Object.entries(spec.errors ?? {}).map(([status, text]) => [status, errorResponse(text)]),
      ),
    },
  })
