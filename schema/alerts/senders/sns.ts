import * as v from 'valibot'

const Text = v.string()

/** Fields every SNS HTTP(S) message has; the body is this JSON sent as `text/plain`. */
const envelopeEntries = {
  MessageId: v.pipe(v.string(), v.minLength(1)),
  TopicArn: Text,
  Message: Text,
  Timestamp: Text,
  SignatureVersion: Text,
  Signature: Text,
  SigningCertURL: Text,
}

export const SnsNotification = v.looseObject({
  ...envelopeEntries,
  Type: v.literal('Notification'),
  Subject: v.optional(v.nullable(Text)),
  UnsubscribeURL: v.optional(Text),
})

export const SnsConfirmation = v.looseObject({
  ...envelopeEntries,
  Type: v.picklist(['SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  Token: Text,
  SubscribeURL: Text,
})

/** An SNS message as delivered to an HTTPS subscription. */
export const SnsEnvelope = v.variant('Type', [SnsNotification, SnsConfirmation])
export type SnsEnvelope = v.InferOutput<typeof SnsEnvelope>

/** A CloudWatch alarm's state change, the `Message` SNS carries as a JSON string. */
export const CloudWatchAlarm = v.looseObject({
  AlarmName: v.pipe(v.string(), v.minLength(1)),
  AlarmArn: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  AlarmDescription: v.optional(v.nullable(v.string())),
  AWSAccountId: v.string(),
  NewStateValue: v.picklist(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  OldStateValue: v.optional(v.string()),
  NewStateReason: v.optional(v.string(), ''),
  /** e.g. `2015-06-03T17:43:27.123+0000`. */
  StateChangeTime: v.string(),
  /** The region's display name, e.g. `EU - Ireland`. */
  Region: v.string(),
  Trigger: v.optional(
    v.looseObject({
      MetricName: v.optional(v.string()),
      Namespace: v.optional(v.string()),
      Dimensions: v.optional(v.array(v.looseObject({ name: v.string(), value: v.string() })), []),
    }),
  ),
})
export type CloudWatchAlarm = v.InferOutput<typeof CloudWatchAlarm>
