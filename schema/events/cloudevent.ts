import * as v from 'valibot'
import { RESERVED_TYPE_PREFIX } from './types'

/** Largest serialised event the log accepts, data included. */
export const MAX_EVENT_BYTES = 256 * 1024
/** Most events one append may carry. */
export const MAX_BATCH_EVENTS = 1000

const ExtensionName = /^[a-z0-9]{1,20}$/
const RESERVED_ATTRIBUTES = new Set(['seq'])

/**
 * A CloudEvents 1.0 event in its JSON format. Extension attributes are kept; `seq` is
 * ours, assigned by the log, so a producer may not set it.
 */
export const CloudEvent = v.pipe(
  v.looseObject({
    specversion: v.literal('1.0', 'specversion must be "1.0"'),
    id: v.pipe(v.string(), v.minLength(1, 'id is required'), v.maxLength(128)),
    source: v.pipe(v.string(), v.minLength(1, 'source is required'), v.maxLength(512)),
    type: v.pipe(v.string(), v.minLength(1, 'type is required'), v.maxLength(256)),
    subject: v.optional(v.pipe(v.string(), v.maxLength(512))),
    time: v.optional(v.pipe(v.string(), v.isoTimestamp('time must be an RFC 3339 timestamp'))),
    datacontenttype: v.optional(v.pipe(v.string(), v.maxLength(256))),
    dataschema: v.optional(v.pipe(v.string(), v.maxLength(512))),
    data: v.optional(v.unknown()),
    data_base64: v.optional(v.string()),
  }),
  v.check(
    (event) =>
      Object.keys(event).every(
        (key) => key in CLOUD_EVENT_CORE || (ExtensionName.test(key) && !RESERVED_ATTRIBUTES.has(key)),
      ),
    'extension attribute names are 1-20 lowercase letters or digits, and "seq" is reserved',
  ),
)
export type CloudEvent = v.InferOutput<typeof CloudEvent>

const CLOUD_EVENT_CORE = {
  specversion: 1,
  id: 1,
  source: 1,
  type: 1,
  subject: 1,
  time: 1,
  datacontenttype: 1,
  dataschema: 1,
  data: 1,
  data_base64: 1,
}

/** An event sent in from outside: any valid CloudEvent outside the reserved namespace. */
export const ExternalCloudEvent = v.pipe(
  CloudEvent,
  v.check(
    (event) => !event.type.startsWith(RESERVED_TYPE_PREFIX),
    `types starting with "${RESERVED_TYPE_PREFIX}" are reserved for Sitewire`,
  ),
)

/** An event as the log returns it: the CloudEvent plus its position `seq`. */
export const LoggedEvent = v.intersect([
  CloudEvent,
  v.object({ seq: v.pipe(v.number(), v.integer(), v.minValue(1)), time: v.string() }),
])
export type LoggedEvent = v.InferOutput<typeof LoggedEvent>
