import * as v from 'valibot'
import { CloudWatchAlarm, SnsEnvelope } from '../../../schema/alerts/senders/sns'
import { labelsV1, verbatim } from './fingerprint'
import {
  decodeUtf8,
  finish,
  isoTime,
  linksOf,
  malformed,
  parseJsonBody,
  parseJsonText,
  readPayload,
} from './payload'
import type { HookRequest, ParsedDelivery, Sender } from './sender'
import { isSnsUrl } from './sns-certificates'
import { verifySnsSignature } from './sns-signature'

const WHAT = 'SNS message'

const readEnvelope = (request: HookRequest) =>
  readPayload(SnsEnvelope, parseJsonBody(request.body, WHAT), WHAT)

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<name>` → the alarm's page in the console. */
const consoleLink = (arn: string) => {
  const [, , service, region, , resource, ...name] = arn.split(':')
  if (service !== 'cloudwatch' || resource !== 'alarm' || !region) return null
  return `https://console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name.join(':'))}`
}

/** Whether `Message` is meant as a CloudWatch alarm: then it must read as one. */
const looksLikeAlarm = (text: string) => text.trimStart().startsWith('{') && text.includes('"AlarmArn"')

/**
 * A CloudWatch alarm's state change as one alert, keyed by `AlarmArn`. ALARM fires and OK
 * resolves; INSUFFICIENT_DATA fires with severity `info`, since the alarm cannot tell, and
 * the one series stays open until CloudWatch reports OK.
 */
const alarmAlert = (alarm: CloudWatchAlarm, at: string) => {
  const trigger = alarm.Trigger
  const changed = isoTime(alarm.StateChangeTime) ?? at
  return {
    ...verbatim(alarm.AlarmArn, 'cloudwatch'),
    episode: null,
    name: alarm.AlarmName,
    summary: alarm.NewStateReason || alarm.AlarmDescription || alarm.AlarmName,
    status: alarm.NewStateValue === 'OK' ? ('resolved' as const) : ('firing' as const),
    severity: alarm.NewStateValue === 'INSUFFICIENT_DATA' ? ('info' as const) : ('warning' as const),
    labels: {
      alarm_name: alarm.AlarmName,
      region: alarm.Region,
      aws_account_id: alarm.AWSAccountId,
      ...(trigger?.MetricName === undefined ? {} : { metric_name: trigger.MetricName }),
      ...(trigger?.Namespace === undefined ? {} : { namespace: trigger.Namespace }),
      ...Object.fromEntries(
        (trigger?.Dimensions ?? []).map(({ name, value }) => [`dimension_${name}`, value]),
      ),
    },
    annotations: {
      state: alarm.NewStateValue,
      ...(alarm.OldStateValue === undefined ? {} : { previous_state: alarm.OldStateValue }),
      ...(alarm.AlarmDescription ? { description: alarm.AlarmDescription } : {}),
    },
    starts_at: changed,
    ends_at: alarm.NewStateValue === 'OK' ? changed : null,
    links: linksOf([['console', consoleLink(alarm.AlarmArn)]]),
    resolve_after_seconds: null,
  }
}

/**
 * AWS SNS HTTPS subscriptions, with CloudWatch alarms understood. The message signature is
 * the credential (secrets are not used). The ±5 min timestamp rule is not applied: SNS
 * retries keep the original `Timestamp` for hours, so replay is refused by `MessageId`.
 */
export const sns: Sender<'sns'> = {
  kind: 'sns',
  secretHeaders: [],
  secretParams: [],
  authenticate: async (request, context) => {
    const read = v.safeParse(SnsEnvelope, safeJson(request.body))
    if (!read.success) return { ok: false, reason: 'malformed_envelope' }
    const envelope = read.output
    const topics = context.settings.topic_arns
    if (topics.length > 0 && !topics.includes(envelope.TopicArn))
      return { ok: false, reason: 'topic_not_allowed' }
    const signed = await verifySnsSignature(envelope, context, request.now)
    if (!signed.ok) return signed
    if (envelope.Type === 'SubscriptionConfirmation' && !isSnsUrl(envelope.SubscribeURL, context.trust)) {
      return { ok: false, reason: 'untrusted_subscribe_url' }
    }
    return { ok: true }
  },
  parse: (request, context): ParsedDelivery => {
    const envelope = readEnvelope(request)
    const deliveryId = envelope.MessageId
    if (envelope.Type === 'UnsubscribeConfirmation') return { deliveryId, alerts: [] }
    if (envelope.Type === 'SubscriptionConfirmation') {
      if (!isSnsUrl(envelope.SubscribeURL, context.trust)) {
        throw malformed(WHAT, [{ path: 'SubscribeURL', message: 'not https on an SNS host' }])
      }
      return { deliveryId, alerts: [], confirmUrl: envelope.SubscribeURL }
    }
    const at = isoTime(envelope.Timestamp) ?? new Date(request.now).toISOString()
    if (looksLikeAlarm(envelope.Message)) {
      const alarm = readPayload(
        CloudWatchAlarm,
        parseJsonText(envelope.Message, WHAT, 'Message'),
        WHAT,
        'Message',
      )
      return { deliveryId, alerts: finish([alarmAlert(alarm, at)], WHAT) }
    }
    const subject = typeof envelope.Subject === 'string' ? envelope.Subject : ''
    const labels = { topic_arn: envelope.TopicArn, subject }
    return {
      deliveryId,
      alerts: finish(
        [
          {
            ...labelsV1(labels),
            episode: null,
            name: subject || envelope.TopicArn.split(':').at(-1) || envelope.TopicArn,
            summary: envelope.Message,
            status: 'firing',
            severity: 'warning',
            labels,
            annotations: {},
            starts_at: at,
            ends_at: null,
            links: [],
            resolve_after_seconds: null,
          },
        ],
        WHAT,
      ),
    }
  },
}

/** The body as JSON, or undefined: authentication only needs to know whether it can read it. */
const safeJson = (body: Uint8Array): unknown => {
  const text = decodeUtf8(body)
  if (text === null) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
