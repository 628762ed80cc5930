import * as v from 'valibot'
import { IntegrationSettings } from '../alerts/integration-settings'
import { AlertLabels, AlertLink, AlertSeverity, AlertStatus, IntegrationKind } from '../alerts/received-alert'
import { IntegrationRouting } from '../alerts/routing'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'
import {
  AlertDeliveryReceived,
  DeliveryOutcome,
  RecordedRequest,
  ResolveReason,
  SilenceDefinition,
  SilenceMatcher,
} from '../events/alert'

const Name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))

// Integrations

/** `POST …/integrations`: an endpoint for one sender; its secret is generated and shown once. */
export const CreateIntegrationBody = v.strictObject({ name: Name, settings: IntegrationSettings })
export type CreateIntegrationBody = v.InferOutput<typeof CreateIntegrationBody>

/** `PATCH …/integrations/{id}`: a new name or new settings of the same kind. */
export const UpdateIntegrationBody = v.pipe(
  v.strictObject({ name: v.optional(Name), settings: v.optional(IntegrationSettings) }),
  v.check((body) => Object.keys(body).length > 0, 'give at least one field to change'),
)
export type UpdateIntegrationBody = v.InferOutput<typeof UpdateIntegrationBody>

/** `POST /v1/integrations`: a tenant-wide integration, and how its alerts find their sites. */
export const CreateTenantIntegrationBody = v.strictObject({
  ...CreateIntegrationBody.entries,
  routing: v.optional(IntegrationRouting, {}),
})
export type CreateTenantIntegrationBody = v.InferOutput<typeof CreateTenantIntegrationBody>

/** `PATCH /v1/integrations/{id}`: a new name, settings of the same kind, or routing. */
export const UpdateTenantIntegrationBody = v.pipe(
  v.strictObject({
    name: v.optional(Name),
    settings: v.optional(IntegrationSettings),
    routing: v.optional(IntegrationRouting),
  }),
  v.check((body) => Object.keys(body).length > 0, 'give at least one field to change'),
)
export type UpdateTenantIntegrationBody = v.InferOutput<typeof UpdateTenantIntegrationBody>

/** What to paste into the sender: its configuration with `<secret>` where the secret goes. */
export const SenderSetup = v.object({ format: v.picklist(['yaml', 'json', 'text']), text: v.string() })

/**
 * An integration as the API shows it: `hook_path` is where its sender posts (after the
 * platform's address); `secrets` is how many are valid now (2 while rotating).
 */
export const Integration = v.object({
  id: Ulid,
  /** Null for a tenant-wide integration, whose alerts go to the sites its `routing` finds. */
  site_id: v.nullable(Ulid),
  name: v.string(),
  kind: IntegrationKind,
  settings: IntegrationSettings,
  hook_path: v.string(),
  routing: v.nullable(IntegrationRouting),
  secrets: v.number(),
  setup: SenderSetup,
  created_at: Timestamp,
  created_by: v.string(),
  updated_at: Timestamp,
})
export type Integration = v.InferOutput<typeof Integration>

/** An integration with a secret just made: shown once (null when an `Idempotency-Key` repeat answers). */
export const IntegrationWithSecret = v.object({
  ...Integration.entries,
  secret: v.nullable(v.string()),
})
export type IntegrationWithSecret = v.InferOutput<typeof IntegrationWithSecret>

export const IntegrationPage = pageOf(Integration)

/** Deliveries refused for their credentials, per source address and reason. */
export const HookRefusal = v.object({
  source_address: v.string(),
  reason: v.string(),
  count: v.number(),
  last_at: Timestamp,
})
export const HookRefusalList = v.object({ items: v.array(HookRefusal) })
export type HookRefusal = v.InferOutput<typeof HookRefusal>

/** The answer to a sender: the delivery's id, and what each of its alerts led to. */
export const HookAccepted = v.pick(AlertDeliveryReceived, ['delivery_id', 'alerts'])
export type HookAccepted = v.InferOutput<typeof HookAccepted>

/**
 * What one alert of a delivery to a tenant-wide integration led to, and on which site:
 * `unrouted` when it names no site of the tenant and there is no fallback; `pending` while
 * its site cannot be reached (it is handed over again); `refused` when the site will not take
 * it (archived, or gone).
 */
export const RoutedOutcome = v.object({
  fingerprint: v.string(),
  site_id: v.nullable(Ulid),
  alert_id: v.nullable(Ulid),
  outcome: v.union([DeliveryOutcome, v.picklist(['unrouted', 'pending', 'refused'])]),
})
export type RoutedOutcome = v.InferOutput<typeof RoutedOutcome>

export const TenantHookAccepted = v.object({ delivery_id: Ulid, alerts: v.array(RoutedOutcome) })
export type TenantHookAccepted = v.InferOutput<typeof TenantHookAccepted>

/** A delivery to a tenant-wide integration, as it came (credentials left out), with where each alert went. */
export const TenantDelivery = v.object({
  id: Ulid,
  received_at: Timestamp,
  sender_delivery_id: v.nullable(v.string()),
  ...RecordedRequest.entries,
  alerts: v.array(RoutedOutcome),
})
export type TenantDelivery = v.InferOutput<typeof TenantDelivery>
export const TenantDeliveryPage = pageOf(TenantDelivery)

/** A page of a tenant-wide integration's deliveries; with `outcome`, only those holding an alert it led to. */
export const TenantDeliveryQuery = v.object({
  ...PageQuery.entries,
  outcome: v.optional(RoutedOutcome.entries.outcome),
})
export type TenantDeliveryQuery = v.InferOutput<typeof TenantDeliveryQuery>

/** A recorded delivery, as it came (credentials left out), for review and backtests. */
export const Delivery = v.object({
  id: Ulid,
  received_at: Timestamp,
  ...v.omit(AlertDeliveryReceived, ['delivery_id', 'kind']).entries,
})
export type Delivery = v.InferOutput<typeof Delivery>
export const DeliveryPage = pageOf(Delivery)

// Alerts

/** One alert series: its current (or last) episode. */
export const Alert = v.object({
  id: Ulid,
  site_id: Ulid,
  integration_id: Ulid,
  kind: IntegrationKind,
  fingerprint: v.string(),
  fingerprint_formula: v.string(),
  episode: v.number(),
  status: AlertStatus,
  severity: AlertSeverity,
  name: v.string(),
  summary: v.string(),
  labels: AlertLabels,
  annotations: AlertLabels,
  links: v.array(AlertLink),
  starts_at: Timestamp,
  ends_at: v.nullable(Timestamp),
  resolve_reason: v.nullable(ResolveReason),
  first_seen_at: Timestamp,
  last_received_at: Timestamp,
  receive_count: v.number(),
  silenced_by: v.array(Ulid),
  acknowledged: v.nullable(v.object({ at: Timestamp, by: v.string(), note: v.string() })),
  flapping: v.boolean(),
})
export type Alert = v.InferOutput<typeof Alert>
export const AlertPage = pageOf(Alert)

/** `label=key=value` (repeatable through commas: `a=1,b=2`): every pair must hold. */
const LabelFilter = v.pipe(
  v.string(),
  v.maxLength(1000),
  v.regex(/^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/, 'label filters are key=value pairs separated by commas'),
)

/** `GET …/alerts`: newest first, filtered. `q` searches names and summaries. */
export const ListAlertsQuery = v.object({
  ...PageQuery.entries,
  status: v.optional(AlertStatus),
  severity: v.optional(AlertSeverity),
  integration_id: v.optional(Ulid),
  label: v.optional(LabelFilter),
  silenced: v.optional(v.picklist(['true', 'false'])),
  q: v.optional(v.pipe(v.string(), v.maxLength(200))),
})
export type ListAlertsQuery = v.InferOutput<typeof ListAlertsQuery>

/** An alert as the tenant-wide list shows it; its page on its site has the rest. */
export const AlertRecord = v.object({
  id: Ulid,
  site_id: Ulid,
  integration_id: Ulid,
  kind: IntegrationKind,
  fingerprint: v.string(),
  episode: v.number(),
  status: AlertStatus,
  severity: AlertSeverity,
  name: v.string(),
  summary: v.string(),
  labels: AlertLabels,
  starts_at: Timestamp,
  ends_at: v.nullable(Timestamp),
  silenced: v.boolean(),
  acknowledged: v.boolean(),
  flapping: v.boolean(),
  updated_at: Timestamp,
})
export type AlertRecord = v.InferOutput<typeof AlertRecord>
export const AlertRecordPage = pageOf(AlertRecord)

/** `GET /v1/alerts`: across the sites the caller may see, newest first. */
export const SearchAlertsQuery = v.object({
  ...ListAlertsQuery.entries,
  cursor: v.optional(Ulid),
  site_id: v.optional(Ulid),
  /** Started at or after / before. */
  since: v.optional(Timestamp),
  until: v.optional(Timestamp),
})
export type SearchAlertsQuery = v.InferOutput<typeof SearchAlertsQuery>

/** `GET …/alerts/counts`: alerts counted by status and severity, or grouped by labels. */
export const AlertCountsQuery = v.object({
  status: v.optional(AlertStatus),
  /** Label names to group by, comma-separated, e.g. `alertname,service`. */
  group_by: v.optional(v.pipe(v.string(), v.maxLength(500))),
})
export type AlertCountsQuery = v.InferOutput<typeof AlertCountsQuery>

export const AlertCounts = v.object({
  groups: v.array(
    v.object({
      labels: v.record(v.string(), v.string()),
      count: v.number(),
      by_severity: v.record(v.string(), v.number()),
    }),
  ),
})
export type AlertCounts = v.InferOutput<typeof AlertCounts>

/** One event of an alert's life, as its history lists it. */
export const AlertHistoryEntry = v.object({
  seq: v.number(),
  type: v.string(),
  time: Timestamp,
  actor: v.string(),
  data: v.unknown(),
})
export const AlertHistory = v.object({ items: v.array(AlertHistoryEntry) })

/** `POST …/alerts/{id}/acknowledge` and `…/resolve`. */
export const AlertNoteBody = v.strictObject({ note: v.optional(v.pipe(v.string(), v.maxLength(2000)), '') })
export type AlertNoteBody = v.InferOutput<typeof AlertNoteBody>

// Silences

/** `POST …/silences`: starts now unless `starts_at` says; `ends_at` after it. */
export const CreateSilenceBody = v.pipe(
  v.strictObject({
    matchers: v.pipe(v.array(SilenceMatcher), v.minLength(1), v.maxLength(32)),
    starts_at: v.optional(Timestamp),
    ends_at: Timestamp,
    recurrence: v.optional(SilenceDefinition.entries.recurrence, null),
    comment: v.optional(v.pipe(v.string(), v.maxLength(2000)), ''),
  }),
  v.check(
    (body) => body.starts_at === undefined || Date.parse(body.ends_at) > Date.parse(body.starts_at),
    '`ends_at` must be after `starts_at`',
  ),
)
export type CreateSilenceBody = v.InferOutput<typeof CreateSilenceBody>

export const Silence = v.object({
  id: Ulid,
  site_id: Ulid,
  ...SilenceDefinition.entries,
  /** Whether it holds now. */
  active: v.boolean(),
  created_at: Timestamp,
  created_by: v.string(),
  deleted_at: v.nullable(Timestamp),
})
export type Silence = v.InferOutput<typeof Silence>
export const SilencePage = pageOf(Silence)
