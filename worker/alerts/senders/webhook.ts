import { Webhook } from 'standardwebhooks'
import { GenericAlert, GenericBatch } from '../../../schema/alerts/senders/generic'
import { labelsV1, verbatim } from './fingerprint'
import { checkTimestamp, hexMacMatches } from './hmac'
import { finish, isoTime, parseJsonBody, readPayload } from './payload'
import { sameText } from './secrets'
import type { HookRequest, Sender, SenderContext, Verdict } from './sender'

const WHAT = 'webhook'

/** A Standard Webhooks key: the package decodes `whsec_…`; a secret it cannot read matches nothing. */
const webhookKey = (secret: string): Webhook | null => {
  try {
    return new Webhook(secret)
  } catch {
    return null
  }
}

/**
 * Standard Webhooks v1: `webhook-signature` lists `v1,<base64 HMAC-SHA256 of id.ts.body>`
 * entries. The package signs, but its `verify` reads the clock itself (`Date.now`), so the
 * timestamp is checked against the arrival time here and the entries compared in constant time.
 */
const checkStandardWebhooks = async (request: HookRequest, secrets: readonly string[]): Promise<Verdict> => {
  const id = request.headers.get('webhook-id')
  const signatures = request.headers.get('webhook-signature')
  if (!id || !signatures) return { ok: false, reason: 'missing_signature' }
  const timestamp = request.headers.get('webhook-timestamp')
  const fresh = checkTimestamp(timestamp, request.now)
  if (!fresh.ok) return fresh
  const sentAt = new Date(Number(timestamp) * 1000)
  const expected = secrets.flatMap((secret) => webhookKey(secret)?.sign(id, sentAt, request.body) ?? [])
  const presented = signatures.split(' ').filter((entry) => entry.startsWith('v1,'))
  const matches = await Promise.all(
    presented.flatMap((entry) => expected.map((signature) => sameText(entry, signature))),
  )
  return matches.includes(true) ? { ok: true } : { ok: false, reason: 'bad_signature' }
}

/** GitHub style: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`. */
const checkGithub = async (request: HookRequest, secrets: readonly string[]): Promise<Verdict> => {
  const header = request.headers.get('x-hub-signature-256')
  if (!header) return { ok: false, reason: 'missing_signature' }
  if (!header.startsWith('sha256=')) return { ok: false, reason: 'bad_signature' }
  return (await hexMacMatches(header.slice('sha256='.length), secrets, request.body))
    ? { ok: true }
    : { ok: false, reason: 'bad_signature' }
}

/**
 * A generic alert as received. Without a `fingerprint`, `labels-v1` over the labels plus
 * `alertname` = `name` (a label of that name wins), restricted to `fingerprint_labels` when set.
 */
const genericAlert = (alert: GenericAlert, fingerprintLabels: readonly string[], now: number) => {
  const startsAt = isoTime(alert.starts_at) ?? new Date(now).toISOString()
  const endsAt = alert.status === 'firing' ? null : (isoTime(alert.ends_at) ?? new Date(now).toISOString())
  return {
    ...(alert.fingerprint === undefined
      ? labelsV1({ alertname: alert.name, ...alert.labels }, fingerprintLabels)
      : verbatim(alert.fingerprint, 'webhook')),
    episode: null,
    name: alert.name,
    summary: alert.summary ?? alert.name,
    status: alert.status,
    severity: alert.severity,
    labels: alert.labels,
    annotations: alert.annotations,
    starts_at: startsAt,
    ends_at: endsAt,
    links: alert.links,
    resolve_after_seconds: null,
  }
}

const readAlerts = (json: unknown): GenericAlert[] =>
  typeof json === 'object' && json !== null && 'alerts' in json
    ? readPayload(GenericBatch, json, WHAT).alerts
    : [readPayload(GenericAlert, json, WHAT)]

const deliveryIdOf = (request: HookRequest, context: SenderContext<'webhook'>) =>
  context.settings.signing === 'standard_webhooks'
    ? request.headers.get('webhook-id')
    : request.headers.get('x-github-delivery')

/** Our generic JSON alert format, signed the Standard Webhooks way or GitHub's. */
export const webhook: Sender<'webhook'> = {
  kind: 'webhook',
  secretHeaders: [],
  secretParams: [],
  authenticate: (request, context) =>
    context.settings.signing === 'standard_webhooks'
      ? checkStandardWebhooks(request, context.secrets)
      : checkGithub(request, context.secrets),
  parse: (request, context) => ({
    deliveryId: deliveryIdOf(request, context) || null,
    alerts: finish(
      readAlerts(parseJsonBody(request.body, WHAT)).map((alert) =>
        genericAlert(alert, context.settings.fingerprint_labels, request.now),
      ),
      WHAT,
    ),
  }),
}
