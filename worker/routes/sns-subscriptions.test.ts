import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Alert, HookRefusal, IntegrationWithSecret } from '../../schema/api/alerts'
import type { Site } from '../../schema/api/sites'
import { type Client, client, createSite, expectError, newTenant } from '../../test/worker-support'
import { snsSigner } from '../alerts/senders/sns-test-signer'
import type { Page } from '../lib/paging'

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms'
const SNS = 'https://sns.eu-west-1.amazonaws.com'

let admin: Client
let site: Site
let integration: IntegrationWithSecret
let signer: Awaited<ReturnType<typeof snsSigner>>
const hook = client(undefined)

/** SNS as the platform reaches it: the signing certificate, and the confirmation URL (answering `confirmStatus`). */
const snsStandIn = (confirmStatus = 200) => {
  const visited: string[] = []
  const realFetch = globalThis.fetch
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (!url.startsWith(SNS)) return realFetch(input, init)
    if (url.endsWith('.pem')) return new Response(signer.pem)
    visited.push(url)
    return new Response('<ConfirmSubscriptionResponse/>', { status: confirmStatus })
  })
  return visited
}

let certificates = 0
const confirmation = (token: string) =>
  signer.signed({
    Type: 'SubscriptionConfirmation',
    MessageId: crypto.randomUUID(),
    Token: token,
    TopicArn: TOPIC,
    Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
    SubscribeURL: `${SNS}/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=${token}`,
    Timestamp: new Date().toISOString(),
    // A fresh certificate URL each time, so no certificate is taken from the cache.
    SigningCertURL: `${SNS}/SimpleNotificationService-route${++certificates}.pem`,
  })

const post = (envelope: unknown) =>
  hook(integration.hook_path, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': (envelope as { Type: string }).Type,
      'cf-connecting-ip': '203.0.113.5',
    },
    body: JSON.stringify(envelope),
  })

const headOf = async () =>
  ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

beforeAll(async () => {
  admin = (await newTenant()).client
  site = await createSite(admin, 'sns')
  signer = await snsSigner(Date.now())
  const made = await admin(`/v1/sites/${site.id}/integrations`, {
    method: 'POST',
    json: { name: 'cloudwatch', settings: { kind: 'sns', topic_arns: [TOPIC] } },
  })
  expect(made.status).toBe(201)
  integration = (await made.json()) as IntegrationWithSecret
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('an SNS subscription through the hook', () => {
  it('is confirmed by visiting SubscribeURL once its signature holds, and the confirmation is recorded', async () => {
    const visited = snsStandIn()
    const envelope = await confirmation('2336')
    const response = await post(envelope)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ alerts: [] })
    expect(visited).toEqual([envelope.SubscribeURL])
    const deliveries = (await (
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}/deliveries`)
    ).json()) as Page<{ sender_delivery_id: string; alerts: unknown[] }>
    expect(deliveries.items.map((delivery) => delivery.sender_delivery_id)).toEqual([envelope.MessageId])
  })

  it('is not confirmed for a forged or unknown-topic message, which is counted and stores nothing', async () => {
    const visited = snsStandIn()
    const before = await headOf()
    const forged = { ...(await confirmation('6666')), Token: '7777' }
    await expectError(await post(forged), 401, 'unauthorized')
    const otherTopic = await signer.signed({
      ...(await confirmation('8888')),
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:someone-else',
    })
    expect((await post(otherTopic)).status).toBe(401)
    expect(visited).toEqual([])
    expect(await headOf()).toBe(before)
    const refusals = (await (
      await admin(`/v1/sites/${site.id}/integrations/${integration.id}/refusals`)
    ).json()) as { items: HookRefusal[] }
    expect(refusals.items.reduce((sum, refusal) => sum + refusal.count, 0)).toBe(2)
  })

  it('answers 503 and stores nothing when SNS cannot confirm, so SNS sends it again', async () => {
    const failing = snsStandIn(500)
    const envelope = await confirmation('9999')
    const before = await headOf()
    await expectError(await post(envelope), 503, 'confirmation_failed')
    expect(failing).toEqual([envelope.SubscribeURL])
    expect(await headOf()).toBe(before)
    vi.restoreAllMocks()

    const working = snsStandIn()
    expect((await post(envelope)).status).toBe(200)
    expect(working).toEqual([envelope.SubscribeURL])
    expect(await headOf()).toBeGreaterThan(before)
  })

  it('then takes the topic’s CloudWatch alarms as alerts', async () => {
    snsStandIn()
    const alarm = await signer.signed(
      {
        Type: 'Notification',
        MessageId: crypto.randomUUID(),
        TopicArn: TOPIC,
        Subject: 'ALARM: "api-5xx" in EU (Ireland)',
        Message: JSON.stringify({
          AlarmName: 'api-5xx',
          AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx',
          NewStateValue: 'ALARM',
          NewStateReason: 'Threshold crossed',
          StateChangeTime: new Date().toISOString(),
          Region: 'EU (Ireland)',
          AWSAccountId: '123456789012',
        }),
        Timestamp: new Date().toISOString(),
        SigningCertURL: `${SNS}/SimpleNotificationService-route${++certificates}.pem`,
        UnsubscribeURL: `${SNS}/?Action=Unsubscribe&SubscriptionArn=x`,
      },
      '2',
    )
    expect((await post(alarm)).status).toBe(200)
    const alerts = ((await (await admin(`/v1/sites/${site.id}/alerts`)).json()) as Page<Alert>).items
    expect(alerts).toMatchObject([{ name: 'api-5xx', status: 'firing' }])
  })
})
