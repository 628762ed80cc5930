import * as v from 'valibot'
import { IntegrationSettings } from '../alerts/integration-settings'
import { IntegrationKind, ReceivedAlert } from '../alerts/received-alert'
import { Timestamp, TimeZone, Ulid } from '../common'
import { CronExpression } from './schedule'

const Name = v.pipe(v.string(), v.minLength(1), v.maxLength(200))
const Episode = v.pipe(v.number(), v.integer(), v.minValue(1))

/** Data of `io.sitewire.integration.created` and `.updated`; secrets are never in the log. */
export const IntegrationDefined = v.object({
  integration_id: Ulid,
  name: Name,
  settings: IntegrationSettings,
})

/** Data of `io.sitewire.integration.secret_rotated`: how many secrets are valid after it (1 or 2). */
export const IntegrationSecretRotated = v.object({
  integration_id: Ulid,
  secrets: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2)),
})

/** Data of `io.sitewire.integration.deleted`. */
export const IntegrationRef = v.object({ integration_id: Ulid })

/** What one alert of a delivery led to. */
export const DeliveryOutcome = v.picklist(['fired', 'updated', 'resolved', 'unchanged', 'ignored'])
export type DeliveryOutcome = v.InferOutput<typeof DeliveryOutcome>

/**
 * Data of `io.sitewire.alert.delivery_received`: the delivery as it came (headers and URL
 * without credentials; the body as text, or base64 when it is not UTF-8), recorded before
 * anything is made of it, and what each of its alerts led to.
 */
export const AlertDeliveryReceived = v.object({
  delivery_id: Ulid,
  integration_id: Ulid,
  kind: IntegrationKind,
  sender_delivery_id: v.nullable(v.string()),
  source_address: v.string(),
  method: v.string(),
  path: v.string(),
  headers: v.record(v.string(), v.string()),
  body: v.nullable(v.string()),
  body_base64: v.nullable(v.string()),
  alerts: v.array(
    v.object({ fingerprint: v.string(), alert_id: v.nullable(Ulid), outcome: DeliveryOutcome }),
  ),
  /**
   * For a delivery to a tenant-wide integration: the alerts it brought this site, as the
   * tenant read them (the body, with other sites' alerts, stays with the tenant).
   */
  routed_alerts: v.optional(v.array(ReceivedAlert)),
})
export type AlertDeliveryReceived = v.InferOutput<typeof AlertDeliveryReceived>

/** A delivery's request as the log keeps it: credentials masked, the body byte for byte. */
export const RecordedRequest = v.pick(AlertDeliveryReceived, [
  'source_address',
  'method',
  'path',
  'headers',
  'body',
  'body_base64',
])
export type RecordedRequest = v.InferOutput<typeof RecordedRequest>

/**
 * Data of `io.sitewire.alert.fired`: a new episode of an alert series (the first, or one after
 * it resolved). `silenced_by` names the silences it fired inside; `flapping` says it has
 * fired often lately.
 */
export const AlertFired = v.object({
  alert_id: Ulid,
  episode: Episode,
  integration_id: Ulid,
  kind: IntegrationKind,
  delivery_id: Ulid,
  alert: ReceivedAlert,
  silenced_by: v.array(Ulid),
  flapping: v.boolean(),
})
export type AlertFired = v.InferOutput<typeof AlertFired>

/** Data of `io.sitewire.alert.updated`: the episode as the sender now describes it. */
export const AlertUpdated = v.object({
  alert_id: Ulid,
  episode: Episode,
  delivery_id: Ulid,
  alert: ReceivedAlert,
})

/** Why an episode ended. */
export const ResolveReason = v.picklist(['sender', 'expired', 'superseded', 'manual', 'rule'])
export type ResolveReason = v.InferOutput<typeof ResolveReason>

/** Data of `io.sitewire.alert.resolved`. */
export const AlertResolved = v.object({
  alert_id: Ulid,
  episode: Episode,
  delivery_id: v.nullable(Ulid),
  ended_at: Timestamp,
  reason: ResolveReason,
})
export type AlertResolved = v.InferOutput<typeof AlertResolved>

/** Data of `io.sitewire.alert.acknowledged`: someone is on it (until the next episode). */
export const AlertAcknowledged = v.object({
  alert_id: Ulid,
  episode: Episode,
  note: v.pipe(v.string(), v.maxLength(2000)),
})

/** Data of `io.sitewire.alert.silenced` and `.unsilenced`: a firing episode entered or left a silence. */
export const AlertSilenceChanged = v.object({ alert_id: Ulid, episode: Episode, silence_id: Ulid })

/** How a silence matcher compares a label: equal, not equal, regular expression (whole value), not matching. */
export const MatcherOp = v.picklist(['=', '!=', '=~', '!~'])

export const SilenceMatcher = v.pipe(
  v.strictObject({
    label: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    op: MatcherOp,
    value: v.pipe(v.string(), v.maxLength(1024)),
  }),
  v.check((matcher) => {
    if (matcher.op === '=' || matcher.op === '!=') return true
    try {
      new RegExp(`^(?:${matcher.value})$`)
      return true
    } catch {
      return false
    }
  }, 'the value of =~ and !~ must be a regular expression'),
)
export type SilenceMatcher = v.InferOutput<typeof SilenceMatcher>

/**
 * A maintenance window: alerts whose labels match every matcher are recorded and marked
 * silenced, and rules do not act on them, from `starts_at` to `ends_at`; with a `recurrence`,
 * only during each window of `duration_seconds` from a fire time of its cron, inside that range.
 */
export const SilenceDefinition = v.object({
  matchers: v.pipe(v.array(SilenceMatcher), v.minLength(1), v.maxLength(32)),
  starts_at: Timestamp,
  ends_at: Timestamp,
  recurrence: v.nullable(
    v.object({
      cron: CronExpression,
      timezone: TimeZone,
      duration_seconds: v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(7 * 86_400)),
    }),
  ),
  comment: v.pipe(v.string(), v.maxLength(2000)),
})
export type SilenceDefinition = v.InferOutput<typeof SilenceDefinition>

/** Data of `io.sitewire.silence.created`. */
export const SilenceCreated = v.object({ silence_id: Ulid, definition: SilenceDefinition })

/** Data of `io.sitewire.silence.deleted`: ended early by someone. */
export const SilenceRef = v.object({ silence_id: Ulid })
