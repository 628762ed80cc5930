import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { describeRoute, resolver } from 'hono-openapi'
import type * as v from 'valibot'
import { ErrorBody } from '../../schema/common'
import type { Answer } from '../lib/idempotency'

/** Sends an object's answer as it is: its status and its body. */
export const send = (c: Context, reply: Answer) =>
  c.json(reply.body as object, reply.status as ContentfulStatusCode)

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: resolver(ErrorBody) } },
})

/** Errors any authenticated route may answer with. */
const COMMON_ERRORS = {
  400: errorResponse('Invalid input; `details` names each field'),
  401: errorResponse('Missing or invalid API key or session'),
  403: errorResponse('The caller may not do this'),
  404: errorResponse('Not found, or not visible to the caller'),
}

/** Errors a route open to anyone may answer with. */
const ANONYMOUS_ERRORS = { 400: COMMON_ERRORS[400] }

/**
 * Documents a route: summary, tag, the success body, and the errors it adds to the common
 * ones. Routes take an API key or a session cookie, unless `anonymous`.
 */
export const route = (spec: {
  summary: string
  tag: string
  ok: { status: number; schema?: v.GenericSchema; description: string }
  errors?: Record<number, string>
  description?: string
  anonymous?: boolean
}) =>
  describeRoute({
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.description ? { description: spec.description } : {}),
    security: spec.anonymous ? [] : [{ apiKey: [] }, { session: [] }],
    responses: {
      [spec.ok.status]: {
        description: spec.ok.description,
        ...(spec.ok.schema ? { content: { 'application/json': { schema: resolver(spec.ok.schema) } } } : {}),
      },
      ...(spec.anonymous ? ANONYMOUS_ERRORS : COMMON_ERRORS),
      ...Object.fromEntries(
        Object.entries(spec.errors ?? {}).map(([status, text]) => [status, errorResponse(text)]),
      ),
    },
  })
