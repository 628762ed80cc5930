import { beforeAll, describe, expect, it } from 'vitest'
import { sns } from './sns'
import { snsSigner } from './sns-test-signer'
import { context, malformedDetails, NOW, request } from './test-support'

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms'

let pem: string
let signed: Awaited<ReturnType<typeof snsSigner>>['signed']

beforeAll(async () => {
  ;({ pem, signed } = await snsSigner(NOW))
})

let certificates = 0
/** A fresh certificate URL per test, so the module's cache does not carry over between tests. */
const certUrl = () =>
  `https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test${++certificates}.pem`

/** A loopback key server that counts what it is asked for. */
const keyServer = () => {
  const asked: string[] = []
  const fetcher = (async (input: RequestInfo | URL) => {
    asked.push(String(input))
    return new Response(pem)
  }) as typeof fetch
  return { asked, fetcher }
}

const alarm = {
  AlarmName: 'api-5xx',
  AlarmDescription: 'API errors over threshold',
  AWSAccountId: '123456789012',
  NewStateValue: 'ALARM',
  NewStateReason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).',
  StateChangeTime: '2026-12-03T21:33:27.123+0000',
  Region: 'EU (Ireland)',
  AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx',
  OldStateValue: 'OK',
  Trigger: {
    MetricName: 'HTTPCode_Target_5XX_Count',
    Namespace: 'AWS/ApplicationELB',
    StatisticType: 'Statistic',
    Statistic: 'SUM',
    Dimensions: [{ value: 'app/api/50dc6c495c0c9188', name: 'LoadBalancer' }],
    Period: 60,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 5,
  },
}

const notification = (message: string, certificate: string, extra: Record<string, string> = {}) => ({
  Type: 'Notification',
  SignatureVersion: '1',
  Signature: 'unsigned',
  MessageId: 'a1b2c3d4-0000-4000-8000-000000000001',
  TopicArn: TOPIC,
  Subject: 'ALARM: "api-5xx" in EU (Ireland)',
  Message: message,
  Timestamp: '2026-12-03T21:33:28.000Z',
  SigningCertURL: certificate,
  UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
  ...extra,
})

const deliver = (envelope: unknown) =>
  request({ body: JSON.stringify(envelope), headers: { 'content-type': 'text/plain; charset=UTF-8' } })

describe('sns sender', () => {
  it('verifies a SignatureVersion 1 subscription confirmation and asks for SubscribeURL to be visited', async () => {
    const { asked, fetcher } = keyServer()
    const url = certUrl()
    const envelope = await signed({
      Type: 'SubscriptionConfirmation',
      MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
      Token:
        '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
      TopicArn: TOPIC,
      Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
      SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336`,
      Timestamp: '2026-12-03T21:30:00.000Z',
      SigningCertURL: url,
    })
    const ctx = context({ kind: 'sns', topic_arns: [TOPIC] }, [], { fetch: fetcher })
    expect(await sns.authenticate(deliver(envelope), ctx)).toEqual({ ok: true })
    expect(asked).toEqual([url])
    expect(sns.parse(deliver(envelope), ctx)).toEqual({
      deliveryId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
      alerts: [],
      confirmUrl: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336`,
    })
  })

  it('verifies a SignatureVersion 2 CloudWatch alarm, normalises it, and fetches the certificate once', async () => {
    const { asked, fetcher } = keyServer()
    const url = certUrl()
    const ctx = context({ kind: 'sns' }, [], { fetch: fetcher })
    const envelope = await signed(notification(JSON.stringify(alarm), url), '2')
    expect(await sns.authenticate(deliver(envelope), ctx)).toEqual({ ok: true })
    const again = await signed(notification(JSON.stringify({ ...alarm, NewStateValue: 'OK' }), url), '2')
    expect(await sns.authenticate(deliver(again), ctx)).toEqual({ ok: true })
    expect(asked).toEqual([url])

    expect(sns.parse(deliver(envelope), ctx)).toEqual({
      deliveryId: 'a1b2c3d4-0000-4000-8000-000000000001',
      alerts: [
        {
          fingerprint: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx',
          fingerprint_formula: 'cloudwatch',
          episode: null,
          name: 'api-5xx',
          summary: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).',
          status: 'firing',
          severity: 'warning',
          labels: {
            alarm_name: 'api-5xx',
            region: 'EU (Ireland)',
            aws_account_id: '123456789012',
            metric_name: 'HTTPCode_Target_5XX_Count',
            namespace: 'AWS/ApplicationELB',
            dimension_LoadBalancer: 'app/api/50dc6c495c0c9188',
          },
          annotations: { state: 'ALARM', previous_state: 'OK', description: 'API errors over threshold' },
          starts_at: '2026-12-03T21:33:27.123Z',
          ends_at: null,
          links: [
            {
              rel: 'console',
              href: 'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/api-5xx',
            },
          ],
          resolve_after_seconds: null,
        },
      ],
    })
    const [ok] = sns.parse(deliver(again), ctx).alerts
    expect(ok?.status).toBe('resolved')
    expect(ok?.ends_at).toBe('2026-12-03T21:33:27.123Z')
  })

  it('reports INSUFFICIENT_DATA as firing with severity info', async () => {
    const envelope = notification(JSON.stringify({ ...alarm, NewStateValue: 'INSUFFICIENT_DATA' }), certUrl())
    const [alert] = sns.parse(deliver(envelope), context({ kind: 'sns' }, [])).alerts
    expect(alert?.status).toBe('firing')
    expect(alert?.severity).toBe('info')
  })

  it('fingerprints any other message by labels-v1 over its topic and subject', async () => {
    const envelope = notification('disk almost full on db-1', certUrl(), { Subject: 'Disk' })
    const [alert] = sns.parse(deliver(envelope), context({ kind: 'sns' }, [])).alerts
    // labels-v1 by hand: the UTF-8 of each name and value, each followed by a 0xFF byte.
    const expected = new Uint8Array(
      ['subject', 'Disk', 'topic_arn', TOPIC].flatMap((field) => [...new TextEncoder().encode(field), 0xff]),
    )
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', expected))
    expect(alert?.fingerprint).toBe(Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''))
    expect(alert?.fingerprint_formula).toBe('labels-v1:subject,topic_arn')
    expect(alert?.name).toBe('Disk')
    expect(alert?.summary).toBe('disk almost full on db-1')
    expect(alert?.status).toBe('firing')
    expect(alert?.labels).toEqual({ topic_arn: TOPIC, subject: 'Disk' })
    expect(alert?.starts_at).toBe('2026-12-03T21:33:28.000Z')
  })

  it('refuses a tampered message, another topic, an unknown signature version', async () => {
    const { fetcher } = keyServer()
    const url = certUrl()
    const envelope = await signed(notification(JSON.stringify(alarm), url))
    const ctx = context({ kind: 'sns' }, [], { fetch: fetcher })
    expect(await sns.authenticate(deliver({ ...envelope, Message: '{"AlarmArn":"x"}' }), ctx)).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
    expect(
      await sns.authenticate(deliver(envelope), context({ kind: 'sns', topic_arns: ['arn:aws:sns:x'] }, [])),
    ).toEqual({ ok: false, reason: 'topic_not_allowed' })
    expect(await sns.authenticate(deliver({ ...envelope, SignatureVersion: '3' }), ctx)).toEqual({
      ok: false,
      reason: 'unsupported_signature_version',
    })
    expect(await sns.authenticate(request({ body: 'not json' }), ctx)).toEqual({
      ok: false,
      reason: 'malformed_envelope',
    })
  })

  it('refuses a certificate URL off the SNS hosts without fetching it', async () => {
    const { asked, fetcher } = keyServer()
    const ctx = context({ kind: 'sns' }, [], { fetch: fetcher })
    for (const url of [
      'https://sns.eu-west-1.amazonaws.com.evil.test/cert.pem',
      'http://sns.eu-west-1.amazonaws.com/cert.pem',
      'https://evil.test/sns.eu-west-1.amazonaws.com.pem',
      'https://sns.eu-west-1.amazonaws.com/cert.txt',
    ]) {
      const envelope = await signed(notification(JSON.stringify(alarm), url))
      expect(await sns.authenticate(deliver(envelope), ctx)).toEqual({
        ok: false,
        reason: 'untrusted_certificate_url',
      })
    }
    expect(asked).toEqual([])
  })

  it('refuses when the certificate cannot be fetched, and tries again on the next delivery', async () => {
    const url = certUrl()
    let calls = 0
    const failing = (async () => {
      calls++
      return new Response('gone', { status: 404 })
    }) as unknown as typeof fetch
    const envelope = await signed(notification(JSON.stringify(alarm), url))
    expect(
      await sns.authenticate(deliver(envelope), context({ kind: 'sns' }, [], { fetch: failing })),
    ).toEqual({
      ok: false,
      reason: 'certificate_unavailable',
    })
    const { asked, fetcher } = keyServer()
    expect(
      await sns.authenticate(deliver(envelope), context({ kind: 'sns' }, [], { fetch: fetcher })),
    ).toEqual({
      ok: true,
    })
    expect([calls, asked]).toEqual([1, [url]])
  })

  it('refuses a subscription whose SubscribeURL is not on an SNS host', async () => {
    const { fetcher } = keyServer()
    const envelope = await signed({
      Type: 'SubscriptionConfirmation',
      MessageId: 'm-2',
      Token: 't',
      TopicArn: TOPIC,
      Message: 'subscribe',
      SubscribeURL: 'https://internal.test/admin',
      Timestamp: '2026-12-03T21:30:00.000Z',
      SigningCertURL: certUrl(),
    })
    const ctx = context({ kind: 'sns' }, [], { fetch: fetcher })
    expect(await sns.authenticate(deliver(envelope), ctx)).toEqual({
      ok: false,
      reason: 'untrusted_subscribe_url',
    })
    expect(malformedDetails(() => sns.parse(deliver(envelope), ctx))).toEqual([
      { path: 'SubscribeURL', message: 'not https on an SNS host' },
    ])
  })

  it('refuses envelopes and alarm messages it cannot read', () => {
    const ctx = context({ kind: 'sns' }, [])
    const { MessageId: _, ...noId } = notification('x', certUrl())
    expect(malformedDetails(() => sns.parse(deliver(noId), ctx))).toEqual([
      { path: 'MessageId', message: expect.stringContaining('Invalid key') },
    ])
    const badAlarm = notification(JSON.stringify({ ...alarm, NewStateValue: 'BROKEN' }), certUrl())
    expect(malformedDetails(() => sns.parse(deliver(badAlarm), ctx))).toEqual([
      {
        path: 'Message.NewStateValue',
        message: expect.stringContaining('"ALARM" | "OK" | "INSUFFICIENT_DATA"'),
      },
    ])
  })
})
