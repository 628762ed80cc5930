import * as v from 'valibot'
import { Ulid } from '../common'
import { LoggedEvent } from '../events/cloudevent'

const Seq = v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0))

export const ListEventsQuery = v.object({
  after: v.optional(Seq, '0'),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), '100'),
  type: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
})
export type ListEventsQuery = v.InferOutput<typeof ListEventsQuery>

/** One event of the log, by its `seq`. */
export const EventParam = v.object({
  siteId: Ulid,
  seq: v.pipe(v.string(), v.regex(/^[1-9]\d{0,15}$/, 'seq is a positive integer'), v.toNumber()),
})

/** How one event is answered: in the JSON format, or in the HTTP binding's binary mode. */
export const GetEventQuery = v.object({
  mode: v.optional(v.picklist(['structured', 'binary'], 'mode is structured or binary'), 'structured'),
})

export const StreamEventsQuery = v.object({
  after: v.optional(Seq),
  type: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
})
export type StreamEventsQuery = v.InferOutput<typeof StreamEventsQuery>

/** A page of the log; `next_cursor` is the `after` of the next page. */
export const EventPage = v.object({ items: v.array(LoggedEvent), next_cursor: v.nullable(v.string()) })

/** What the log did with each appended event, in the order sent. */
export const AppendResult = v.object({
  items: v.array(
    v.object({
      id: v.string(),
      source: v.string(),
      seq: v.number(),
      duplicate: v.boolean(),
    }),
  ),
  head_seq: v.number(),
})
export type AppendResult = v.InferOutput<typeof AppendResult>

/** Filters on the tenant-wide event index. */
export const SearchEventsQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), '100'),
  cursor: v.optional(
    v.pipe(v.string(), v.regex(/^\d+:[0-9A-HJKMNP-TV-Z]{26}@\S+$/, 'not a cursor from this list')),
  ),
  type: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
  site_id: v.optional(v.pipe(v.string(), v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'))),
  subject: v.optional(v.pipe(v.string(), v.maxLength(512))),
  since: v.optional(v.pipe(v.string(), v.isoTimestamp('since must be an RFC 3339 timestamp'))),
})
export type SearchEventsQuery = v.InferOutput<typeof SearchEventsQuery>

/** One row of the event index: where an event sits, without its data. */
export const IndexedEvent = v.object({
  site_id: v.string(),
  seq: v.number(),
  id: v.string(),
  source: v.string(),
  type: v.string(),
  subject: v.nullable(v.string()),
  time: v.string(),
})
export const IndexedEventPage = v.object({
  items: v.array(IndexedEvent),
  next_cursor: v.nullable(v.string()),
})
