import * as v from 'valibot'
import { AlertStatus } from '../received-alert'
import { StringMap } from './common'

/** A member read when it has the expected type, else ignored: events are not written for us. */
const lenient = <S extends v.GenericSchema>(schema: S) => v.fallback(v.optional(schema), undefined)

const NonEmpty = v.pipe(v.string(), v.minLength(1))

/**
 * What we read from a CloudEvent's `data` when it is a JSON object; every member is
 * optional and one of the wrong type is ignored (see `worker/alerts/senders/cloudevents.ts`).
 */
export const CloudEventAlertData = v.looseObject({
  status: lenient(AlertStatus),
  fingerprint: lenient(v.pipe(NonEmpty, v.maxLength(512))),
  name: lenient(NonEmpty),
  summary: lenient(NonEmpty),
  severity: lenient(v.string()),
  labels: lenient(StringMap),
  annotations: lenient(StringMap),
})
export type CloudEventAlertData = v.InferOutput<typeof CloudEventAlertData>
