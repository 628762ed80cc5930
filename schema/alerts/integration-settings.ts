import * as v from 'valibot'

const HeaderName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name'))
const LabelNames = v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(256))), v.maxLength(32))

/**
 * Labels whose values make the fingerprint of an alert its sender gives none for; empty means
 * every label. Ignored where the sender has its own fingerprint.
 */
const fingerprintLabels = { fingerprint_labels: v.optional(LabelNames, []) }

/**
 * What each kind of integration needs besides its secrets (which are generated, never part
 * of the settings). How each kind authenticates:
 *
 * - `alertmanager`, `cloudevents`: `Authorization: Bearer <secret>`, or Basic with the secret
 *   as password (any user name); CloudEvents also `?access_token=<secret>`.
 * - `grafana`: Bearer or Basic as above; with `hmac`, only `X-Grafana-Alerting-Signature`
 *   (hex HMAC-SHA256 of the body, or of `ts:body` when `timestamp_header` names a header).
 * - `datadog`: the secret in the header `header` (default `X-Sitewire-Token`), or Basic.
 * - `sns`: the SNS message signature (SignatureVersion 1 and 2) with the certificate at
 *   `SigningCertURL` on an SNS host; `topic_arns`, when given, are the only topics accepted.
 * - `gcp_monitoring`: Basic with the secret as password, or `?auth_token=<secret>`.
 * - `gcp_pubsub`: a Google-signed OIDC token whose audience is `audience` and whose verified
 *   email is `service_account_email`.
 * - `splunk`: `?token=<secret>` in the URL (Splunk cannot send headers).
 * - `webhook`: generic JSON, signed with Standard Webhooks (`whsec_` secret) or GitHub-style
 *   `X-Hub-Signature-256`.
 */
export const IntegrationSettings = v.variant('kind', [
  v.strictObject({ kind: v.literal('alertmanager') }),
  v.strictObject({
    kind: v.literal('grafana'),
    hmac: v.optional(v.boolean(), false),
    timestamp_header: v.optional(v.nullable(HeaderName), null),
  }),
  v.strictObject({
    kind: v.literal('datadog'),
    header: v.optional(HeaderName, 'X-Sitewire-Token'),
    ...fingerprintLabels,
  }),
  v.strictObject({
    kind: v.literal('sns'),
    topic_arns: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(32)), []),
  }),
  v.strictObject({ kind: v.literal('gcp_monitoring') }),
  v.strictObject({
    kind: v.literal('gcp_pubsub'),
    audience: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
    service_account_email: v.pipe(v.string(), v.email()),
  }),
  v.strictObject({
    kind: v.literal('splunk'),
    resolve_after_seconds: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(30 * 86_400)),
      3600,
    ),
    ...fingerprintLabels,
  }),
  v.strictObject({ kind: v.literal('cloudevents'), ...fingerprintLabels }),
  v.strictObject({
    kind: v.literal('webhook'),
    signing: v.picklist(['standard_webhooks', 'github']),
    ...fingerprintLabels,
  }),
])
export type IntegrationSettings = v.InferOutput<typeof IntegrationSettings>
