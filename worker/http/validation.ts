import type { MiddlewareHandler, ValidationTargets } from 'hono'
import { validator } from 'hono-openapi'
import type * as v from 'valibot'
import { apiError, validationError } from './errors'

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i

/**
 * Refuses bodies that are not JSON before any schema sees them (Hono's validator would
 * read them as an empty object). Malformed JSON is refused by the validator itself.
 */
export const requireJson: MiddlewareHandler = async function requireJson(c, next) {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw apiError(415, 'unsupported_media_type', 'send the body as application/json')
  }
  await next()
}

/**
 * For bodies whose fields are all optional: no body at all, or an empty one, is an empty
 * object whatever the `content-type`; a body that is there must be JSON.
 */
export const optionalJson: MiddlewareHandler = async function optionalJson(c, next) {
  if ((await c.req.text()).trim() === '') {
    // Hono's JSON validator reads the cached text (a promise, whatever its type says): it sees `{}`.
    Object.assign(c.req.bodyCache, { text: Promise.resolve('{}') })
  } else if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw apiError(415, 'unsupported_media_type', 'send the body as application/json, or send none')
  }
  await next()
}

const WHAT: Record<keyof ValidationTargets, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'headers',
  form: 'form',
  cookie: 'cookies',
}

/**
 * Validates one part of the request with a valibot schema (and documents it in the
 * OpenAPI description); a failure is the API's 400 with a detail per field.
 */
export const valid = <T extends keyof ValidationTargets, S extends v.GenericSchema>(target: T, schema: S) =>
  validator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error, WHAT[target])
  })
