import * as v from 'valibot'
import {
  type AppendableEvent,
  type CloudEvent,
  ExternalCloudEvent,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
} from '../../schema/events'
import { apiError, parseOr400, validationError } from '../http/errors'
import { fromBase64 } from '../lib/base64'
import { overBytes } from '../lib/utf8'
import { dataForm, strictUtf8 } from './media-type'
import { percentDecode } from './percent-encoding'

const STRUCTURED = /^application\/cloudevents\+json\s*(?:;|$)/i
const BATCH = /^application\/cloudevents-batch\+json\s*(?:;|$)/i
const OTHER_FORMAT = /^application\/cloudevents(?:-batch)?(?:\+[^;\s]+)?\s*(?:;|$)/i
const PLAIN_JSON = /^application\/json\s*(?:;|$)/i
const CE_PREFIX = 'ce-'

const Batch = v.pipe(
  v.array(v.unknown(), 'a batch is a JSON array of CloudEvents'),
  v.maxLength(MAX_BATCH_EVENTS, `a batch holds at most ${MAX_BATCH_EVENTS} events`),
)

/**
 * Reads the CloudEvents a request carries, in the HTTP binding's three modes (1.0.2): batched
 * (`application/cloudevents-batch+json`), structured (`application/cloudevents+json`) or
 * binary (`ce-*` headers, the body is the data). Without `ce-*` headers, `application/json`
 * is read as a structured event, or as a batch when it is an array.
 *
 * The SDK's `HTTP.toEvent` is not used here: it neither percent-decodes headers nor refuses
 * what the spec calls invalid, it rewrites `time` through `Date`, parses JSON data only for
 * two exact content types, and turns `data_base64` into 32-bit words. A log must keep what it
 * was given, so the spec's rules are applied here; the SDK is the client in the tests.
 *
 * Every event is validated by the same schema, whatever the mode; one bad event refuses the
 * whole request, with a `details` entry naming the attribute and the rule.
 */
export const readCloudEvents = (headers: Headers, body: Uint8Array): AppendableEvent[] => {
  const contentType = headers.get('content-type') ?? ''
  const events = BATCH.test(contentType)
    ? readBatch(parseJson(body))
    : STRUCTURED.test(contentType)
      ? [readStructured(parseJson(body), 'event')]
      : OTHER_FORMAT.test(contentType)
        ? unsupported()
        : hasCeHeaders(headers)
          ? [readBinary(headers, body)]
          : PLAIN_JSON.test(contentType)
            ? readPlainJson(parseJson(body))
            : unsupported()
  events.forEach((event, index) => {
    if (isOversize(event)) {
      throw apiError(
        413,
        'event_too_large',
        `event ${index} is over the limit of ${MAX_EVENT_BYTES} bytes (attributes as JSON plus data)`,
        { limit_bytes: MAX_EVENT_BYTES, index },
      )
    }
  })
  return events
}

const readPlainJson = (json: unknown) =>
  Array.isArray(json) ? readBatch(json) : [readStructured(json, 'event')]

const readBatch = (json: unknown): AppendableEvent[] =>
  parseOr400(Batch, json, 'batch').map((item, index) => readStructured(item, `event ${index}`, index))

/** A JSON-format event; `data_base64` becomes the bytes it stands for. */
const readStructured = (json: unknown, what: string, index?: number): AppendableEvent => {
  const result = v.safeParse(ExternalCloudEvent, json)
  if (!result.success) {
    throw validationError(
      result.issues.map((issue) => ({
        message: issue.message,
        path: [
          ...(index === undefined ? [] : [index]),
          ...(issue.path ?? []).map((item) => item.key as PropertyKey),
        ],
      })),
      what,
    )
  }
  return fromJsonFormat(result.output)
}

const fromJsonFormat = ({ data_base64, ...event }: CloudEvent): AppendableEvent =>
  typeof data_base64 === 'string' ? { ...event, data: fromBase64(data_base64) } : event

const hasCeHeaders = (headers: Headers) => {
  for (const name of headers.keys()) if (name.startsWith(CE_PREFIX)) return true
  return false
}

/** Binary mode: attributes from `ce-*` headers (percent-decoded), `Content-Type` and the body. */
const readBinary = (headers: Headers, body: Uint8Array): AppendableEvent => {
  const attributes: Record<string, unknown> = {}
  const problems: { path: PropertyKey[]; message: string }[] = []
  for (const [header, raw] of headers) {
    if (!header.startsWith(CE_PREFIX)) continue
    const name = header.slice(CE_PREFIX.length)
    if (name === 'datacontenttype' || name === 'data' || name === 'data_base64') {
      problems.push({
        path: [header],
        message: `in binary mode the body is the data and Content-Type its type`,
      })
      continue
    }
    const decoded = percentDecode(raw)
    if (decoded.ok) attributes[name] = decoded.value
    else problems.push({ path: [header], message: `${header} ${decoded.reason}` })
  }
  const contentType = headers.get('content-type')
  if (contentType !== null) attributes.datacontenttype = contentType
  const result = v.safeParse(ExternalCloudEvent, attributes)
  if (!result.success) {
    for (const issue of result.issues) {
      const key = issue.path?.[0]?.key
      problems.push({
        path: [
          key === 'datacontenttype'
            ? 'content-type'
            : key === undefined
              ? 'headers'
              : `${CE_PREFIX}${String(key)}`,
        ],
        message: issue.message,
      })
    }
  }
  if (problems.length > 0) throw validationError(problems, 'CloudEvent headers')
  const event = result.output as CloudEvent
  return body.byteLength === 0 ? event : { ...event, data: dataOfBody(body, contentType) }
}

/** The body as the data its content type says it is: a JSON value, text, or the bytes themselves. */
const dataOfBody = (body: Uint8Array, contentType: string | null): unknown => {
  const form = dataForm(contentType)
  if (form === 'bytes') return body
  let text: string
  try {
    text = strictUtf8.decode(body)
  } catch {
    if (form === 'text') return body
    throw apiError(
      400,
      'invalid_data',
      `the body is not UTF-8, so not the JSON its Content-Type (${contentType}) says`,
    )
  }
  if (form === 'text') return text
  try {
    return JSON.parse(text)
  } catch (error) {
    throw apiError(
      400,
      'invalid_data',
      `the body is not the JSON its Content-Type (${contentType}) says: ${(error as Error).message}`,
    )
  }
}

/** Whether an event takes more than the limit in the log: its attributes as JSON, plus its data's bytes when binary. */
const isOversize = ({ data, ...attributes }: AppendableEvent) =>
  data instanceof Uint8Array
    ? overBytes(JSON.stringify(attributes), MAX_EVENT_BYTES - data.byteLength)
    : overBytes(JSON.stringify({ ...attributes, data }), MAX_EVENT_BYTES)

const parseJson = (body: Uint8Array): unknown => {
  try {
    return JSON.parse(strictUtf8.decode(body))
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
