import * as v from 'valibot'
import { CloudEvent } from '../schema/events/cloudevent'

/**
 * An event as the log answers it. `LoggedEvent` in schema/ intersects the whole `CloudEvent`,
 * whose check refuses the `seq` attribute that every stored event carries, so it rejects every
 * answer; this reads the same attributes without that producer-side check.
 */
export const StoredEvent = v.looseObject({
  ...CloudEvent.pipe[0].entries,
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  time: v.string(),
})
export type StoredEvent = v.InferOutput<typeof StoredEvent>

export const StoredEventPage = v.object({ items: v.array(StoredEvent), next_cursor: v.nullable(v.string()) })
