import { HTTP } from 'cloudevents'
import * as v from 'valibot'
import { type CloudEvent, ExternalCloudEvent, MAX_BATCH_EVENTS, MAX_EVENT_BYTES } from '../../schema/events'
import { apiError, parseOr400 } from '../http/errors'
import { overBytes } from '../lib/utf8'

const STRUCTURED = /^application\/cloudevents\+json\s*(;|$)/i
const BATCH = /^application\/cloudevents-batch\+json\s*(;|$)/i
const PLAIN_JSON = /^application\/json\s*(;|$)/i

const BinaryHeaders = v.object({
  'ce-specversion': v.literal('1.0', 'ce-specversion must be 1.0'),
  'ce-id': v.pipe(v.string('ce-id is required'), v.minLength(1, 'ce-id is required')),
  'ce-source': v.pipe(v.string('ce-source is required'), v.minLength(1, 'ce-source is required')),
  'ce-type': v.pipe(v.string('ce-type is required'), v.minLength(1, 'ce-type is required')),
})

const Batch = v.pipe(
  v.array(ExternalCloudEvent, 'a batch is a JSON array of CloudEvents'),
  v.minLength(1, 'the batch is empty'),
  v.maxLength(MAX_BATCH_EVENTS, `a batch holds at most ${MAX_BATCH_EVENTS} events`),
)

/**
 * Reads the CloudEvents a request carries, in any of the HTTP binding's modes: binary
 * (`ce-*` headers, the body is `data`), structured (`application/cloudevents+json`) or
 * batched (`application/cloudevents-batch+json`, or a JSON array as `application/json`).
 * Every event is validated; one bad event refuses the whole request.
 */
export const readCloudEvents = (headers: Headers, body: string): CloudEvent[] => {
  const contentType = headers.get('content-type') ?? ''
  const events = headers.has('ce-specversion')
    ? [readBinary(headers, body)]
    : BATCH.test(contentType) || (PLAIN_JSON.test(contentType) && body.trimStart().startsWith('['))
      ? parseOr400(Batch, parseJson(body), 'events')
      : STRUCTURED.test(contentType) || PLAIN_JSON.test(contentType)
        ? [parseOr400(ExternalCloudEvent, parseJson(body), 'event')]
        : unsupported()
  events.forEach((event, index) => {
    if (overBytes(JSON.stringify(event), MAX_EVENT_BYTES)) {
      throw apiError(413, 'event_too_large', `event ${index} is over ${MAX_EVENT_BYTES} bytes`)
    }
  })
  return events
}

const readBinary = (headers: Headers, body: string): CloudEvent => {
  parseOr400(BinaryHeaders, Object.fromEntries(headers), 'CloudEvent headers')
  let event: ReturnType<typeof HTTP.toEvent>
  try {
    event = HTTP.toEvent({ headers: Object.fromEntries(headers), body })
  } catch (error) {
    throw apiError(400, 'invalid_cloudevent', (error as Error).message)
  }
  const single = Array.isArray(event) ? event[0] : event
  return parseOr400(ExternalCloudEvent, JSON.parse(JSON.stringify(single)), 'event')
}

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch (error) {
    throw apiError(400, 'malformed_json', `body is not valid JSON: ${(error as Error).message}`)
  }
}

const unsupported = (): never => {
  throw apiError(
    415,
    'unsupported_media_type',
    'send CloudEvents as application/cloudevents+json, application/cloudevents-batch+json, a JSON array, or in binary mode with ce-* headers',
  )
}
