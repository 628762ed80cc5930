import * as v from 'valibot'
import { RESERVED_TYPE_PREFIX } from './types'

/** Largest event the log accepts: its attributes as JSON plus its data (bytes count once, not as base64). */
export const MAX_EVENT_BYTES = 256 * 1024
/** Most events one append may carry. */
export const MAX_BATCH_EVENTS = 1000

/**
 * An RFC 3339 `date-time` (upper or lower case `T` and `Z`, a numeric offset with a colon,
 * seconds up to 60 for a leap second) whose date exists in the calendar.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/

export const isRfc3339 = (text: string): boolean => {
  const m = RFC3339.exec(text)
  if (!m) return false
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const offsetOk = m[9] === undefined || (Number(m[10]) <= 23 && Number(m[11]) <= 59)
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetOk
  )
}

/**
 * An RFC 3339 time as UTC ISO 8601 (`…Z`, milliseconds), for sorting. A leap second sorts as
 * the last millisecond of its minute; JavaScript dates do not know leap seconds.
 */
export const toUtcIso = (text: string): string => {
  const normal = text
    .toUpperCase()
    .replace(/:60(?=[.Z+-])/, ':59.999')
    .replace(/(\.999)\.\d+/, '$1')
  return new Date(normal).toISOString()
}

/** RFC 3986 characters, with `%` only in well-formed escapes. */
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/
/** RFC 2046 / RFC 7231 `type/subtype` with parameters. */
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+"
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))*\\s*$`,
)
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/
/** Attributes the log sets itself. */
const RESERVED_ATTRIBUTES = new Set(['seq'])
const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

const required = (name: string, max: number) =>
  v.pipe(
    v.string(`${name} is required and is a string`),
    v.minLength(1, `${name} is required and may not be empty`),
    v.maxLength(max, `${name} is at most ${max} characters`),
  )

/**
 * The context attributes of CloudEvents 1.0.2 with their rules. `null` stands for an absent
 * optional attribute, as the JSON format allows; `withoutNulls` then drops it.
 */
export const CloudEventAttributes = {
  specversion: v.literal('1.0', 'specversion must be "1.0"'),
  id: required('id', 128),
  source: v.pipe(
    required('source', 512),
    v.regex(URI_REFERENCE, 'source must be a URI-reference (RFC 3986): no spaces, non-ASCII or bare %'),
  ),
  type: required('type', 256),
  subject: v.nullish(required('subject', 512)),
  time: v.nullish(
    v.pipe(
      v.string('time is a string'),
      v.check(isRfc3339, 'time must be an RFC 3339 timestamp, such as 2024-05-01T12:00:00Z'),
    ),
  ),
  datacontenttype: v.nullish(
    v.pipe(
      required('datacontenttype', 256),
      v.regex(MEDIA_TYPE, 'datacontenttype must be an RFC 2046 media type, such as application/json'),
    ),
  ),
  dataschema: v.nullish(
    v.pipe(
      required('dataschema', 512),
      v.regex(ABSOLUTE_URI, 'dataschema must be an absolute URI (RFC 3986)'),
    ),
  ),
}

const CORE = new Set([...Object.keys(CloudEventAttributes), 'data', 'data_base64'])

/** Extension attributes: names and values as the type system allows them in JSON. */
const extensionIssues = (event: Record<string, unknown>, logged: boolean) => {
  const issues: { name: string; message: string }[] = []
  for (const name in event) {
    if (CORE.has(name) || (logged && RESERVED_ATTRIBUTES.has(name))) continue
    const value = event[name]
    if (!EXTENSION_NAME.test(name)) {
      issues.push({
        name,
        message: 'extension attribute names are 1 to 20 lowercase ASCII letters or digits',
      })
    } else if (RESERVED_ATTRIBUTES.has(name)) {
      issues.push({ name, message: `${name} is set by the log` })
    } else if (
      !(
        value === null ||
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX)
      )
    ) {
      issues.push({ name, message: `${name} must be a string, a boolean or a 32-bit integer` })
    }
  }
  return issues
}

/** Drops attributes whose value is `null`: the JSON format's way of saying absent. `data` is no attribute: null is its value. */
const withoutNulls = <T extends Record<string, unknown>>(event: T): T => {
  // Most events hold no null: they pass as they are, without a copy.
  const hasNull = Object.keys(event).some((name) => event[name] === null && name !== 'data')
  return hasNull
    ? (Object.fromEntries(
        Object.entries(event).filter(([name, value]) => value !== null || name === 'data'),
      ) as T)
    : event
}

const DataMembers = {
  data: v.optional(v.unknown()),
  data_base64: v.nullish(
    v.pipe(v.string('data_base64 is a string'), v.regex(BASE64, 'data_base64 must be base64 (RFC 4648)')),
  ),
}

/** The rules beyond each attribute's own: extension names and values, and data in one form only. */
const eventRules = <T extends Record<string, unknown>>(logged: boolean) =>
  v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const event: Record<string, unknown> = dataset.value
    const issue = (key: string, message: string) =>
      addIssue({ message, path: [{ type: 'object', origin: 'value', input: event, key, value: event[key] }] })
    for (const { name, message } of extensionIssues(event, logged)) issue(name, message)
    if (event.data !== undefined && event.data_base64 != null) {
      issue('data_base64', 'data and data_base64 are mutually exclusive')
    }
  })

/**
 * A CloudEvent in the JSON event format (1.0.2): core attributes, extension attributes, and
 * either `data` (any JSON value) or `data_base64` (the bytes of binary data).
 */
export const CloudEvent = v.pipe(
  v.looseObject({ ...CloudEventAttributes, ...DataMembers }),
  eventRules(false),
  v.transform(withoutNulls),
)
export type CloudEvent = v.InferOutput<typeof CloudEvent>

/** An event sent in from outside: any valid CloudEvent outside the reserved namespace. */
export const ExternalCloudEvent = v.pipe(
  CloudEvent,
  v.check(
    (event) => !event.type.startsWith(RESERVED_TYPE_PREFIX),
    `types starting with "${RESERVED_TYPE_PREFIX}" are reserved for Sitewire`,
  ),
)

/**
 * An event on its way into the log. Binary data may travel as bytes (`data` a `Uint8Array`,
 * as the Worker sends it) or as `data_base64`; the log stores the bytes either way.
 */
export type AppendableEvent = CloudEvent

/** An event as the log returns it: the CloudEvent plus its position `seq`, which the log set. */
export const LoggedEvent = v.pipe(
  v.looseObject({
    ...CloudEventAttributes,
    ...DataMembers,
    time: v.string(),
    seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  eventRules(true),
)
export type LoggedEvent = v.InferOutput<typeof LoggedEvent>
