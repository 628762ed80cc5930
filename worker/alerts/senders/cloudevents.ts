import * as v from 'valibot'
import { CloudEventAlertData } from '../../../schema/alerts/senders/cloudevents'
import type { CloudEvent } from '../../../schema/events'
import { readCloudEvents } from '../../cloudevents/read-request'
import { ApiError } from '../../http/errors'
import { basicPassword, bearerToken, checkSecret, queryToken } from './credentials'
import { labelsV1, verbatim } from './fingerprint'
import { finish, isoTime, malformed } from './payload'
import type { HookRequest, Sender } from './sender'
import { severityOf } from './severity'

const TOKEN_PARAM = 'access_token'
const WHAT = 'CloudEvents delivery'

/** The reader's 400s (bad JSON, a broken attribute) as ours; 413 and 415 keep their status. */
const readEvents = (request: HookRequest): CloudEvent[] => {
  try {
    return readCloudEvents(request.headers, request.body)
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error
    throw malformed(
      WHAT,
      Array.isArray(error.details) ? error.details : [{ path: '', message: error.message }],
    )
  }
}

/**
 * One event as one alert. From `data`, when it is a JSON object: `status` (firing|resolved,
 * else firing), `fingerprint` (a string, kept verbatim), `name`, `summary`, `severity`,
 * `labels` and `annotations` (string maps). Without a fingerprint: `labels-v1` over the
 * labels (those named by `fingerprint_labels`), or when there are none over `source` and
 * `subject`. The name falls back to the event `type`, the times to `time`.
 */
const eventAlert = (event: CloudEvent, fingerprintLabels: readonly string[], now: number) => {
  const data = v.parse(
    CloudEventAlertData,
    typeof event.data === 'object' &&
      event.data !== null &&
      !Array.isArray(event.data) &&
      !(event.data instanceof Uint8Array)
      ? event.data
      : {},
  )
  const labels = data.labels ?? {}
  const identity = {
    source: event.source,
    ...(typeof event.subject === 'string' ? { subject: event.subject } : {}),
  }
  const at = isoTime(event.time) ?? new Date(now).toISOString()
  const status = data.status ?? 'firing'
  const name = data.name ?? event.type
  return {
    ...(data.fingerprint !== undefined
      ? verbatim(data.fingerprint, 'cloudevents:data.fingerprint')
      : Object.keys(labels).length > 0
        ? labelsV1(labels, fingerprintLabels)
        : labelsV1(identity)),
    episode: null,
    name,
    summary: data.summary ?? name,
    status,
    severity: severityOf(data.severity),
    labels,
    annotations: data.annotations ?? {},
    starts_at: at,
    ends_at: status === 'resolved' ? at : null,
    links: [],
    resolve_after_seconds: null,
  }
}

/**
 * CloudEvents over HTTP (binary, structured or batched), authenticated by Bearer, Basic or
 * `?access_token=` (the CloudEvents webhook spec). The delivery id is `source` + " " + `id`
 * for a single event; a batch has none, its alerts being deduplicated by fingerprint.
 */
export const cloudevents: Sender<'cloudevents'> = {
  kind: 'cloudevents',
  secretHeaders: ['authorization'],
  secretParams: [TOKEN_PARAM],
  authenticate: (request, context) =>
    checkSecret(
      [bearerToken(request.headers), basicPassword(request.headers), queryToken(request.url, TOKEN_PARAM)],
      context.secrets,
    ),
  parse: (request, context) => {
    const events = readEvents(request)
    const [only] = events
    return {
      deliveryId: events.length === 1 && only !== undefined ? `${only.source} ${only.id}` : null,
      alerts: finish(
        events.map((event) => eventAlert(event, context.settings.fingerprint_labels, request.now)),
        WHAT,
      ),
    }
  },
}
