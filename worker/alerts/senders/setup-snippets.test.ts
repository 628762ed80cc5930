import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { DATADOG_PAYLOAD_TEMPLATE } from '../../../schema/alerts/senders/datadog'
import { senderSetup } from './setup-snippets'
import { context } from './test-support'

const URL = 'https://sitewire.example/v1/hooks/int_7'

describe('senderSetup', () => {
  it('gives Alertmanager a receiver with a Bearer http_config', () => {
    const setup = senderSetup('alertmanager', context({ kind: 'alertmanager' }).settings, URL)
    expect(setup.format).toBe('yaml')
    expect(parse(setup.text)).toEqual({
      receivers: [
        {
          name: 'sitewire',
          webhook_configs: [
            {
              url: URL,
              send_resolved: true,
              http_config: { authorization: { type: 'Bearer', credentials: '<secret>' } },
            },
          ],
        },
      ],
    })
  })

  it('gives Grafana a webhook contact point, with the HMAC settings when on', () => {
    const plain = parse(senderSetup('grafana', context({ kind: 'grafana' }).settings, URL).text)
    expect(plain.contactPoints[0].receivers[0].settings).toEqual({
      url: URL,
      httpMethod: 'POST',
      authorization_scheme: 'Bearer',
      authorization_credentials: '<secret>',
    })
    const signed = context({
      kind: 'grafana',
      hmac: true,
      timestamp_header: 'X-Grafana-Alerting-Timestamp',
    }).settings
    expect(
      parse(senderSetup('grafana', signed, URL).text).contactPoints[0].receivers[0].settings.hmacConfig,
    ).toEqual({
      secret: '<secret>',
      header: 'X-Grafana-Alerting-Signature',
      timestampHeader: 'X-Grafana-Alerting-Timestamp',
    })
  })

  it('gives Datadog the webhook with our payload template and the secret header', () => {
    const setup = senderSetup('datadog', context({ kind: 'datadog' }).settings, URL)
    const webhook = JSON.parse(setup.text)
    expect(webhook).toMatchObject({ name: 'sitewire', url: URL, encode_as: 'json' })
    expect(JSON.parse(webhook.payload)).toEqual(DATADOG_PAYLOAD_TEMPLATE)
    expect(JSON.parse(webhook.custom_headers)).toEqual({ 'X-Sitewire-Token': '<secret>' })
  })

  it('gives the subscribe and channel commands for SNS, GCP and Pub/Sub', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:ops'
    expect(senderSetup('sns', context({ kind: 'sns', topic_arns: [topic] }).settings, URL).text).toContain(
      `aws sns subscribe --topic-arn ${topic} --protocol https --notification-endpoint ${URL}`,
    )
    expect(senderSetup('gcp_monitoring', context({ kind: 'gcp_monitoring' }).settings, URL).text).toContain(
      `--type=webhook_tokenauth --channel-labels='url=${URL}?auth_token=<secret>'`,
    )
    const pubsub = context({
      kind: 'gcp_pubsub',
      audience: URL,
      service_account_email: 'push@p.iam.gserviceaccount.com',
    }).settings
    expect(senderSetup('gcp_pubsub', pubsub, URL).text).toContain(
      `--push-endpoint=${URL} --push-auth-service-account=push@p.iam.gserviceaccount.com --push-auth-token-audience=${URL}`,
    )
  })

  it('puts the token in the URL for Splunk and CloudEvents', () => {
    expect(senderSetup('splunk', context({ kind: 'splunk' }).settings, URL).text).toContain(
      `${URL}?token=<secret>`,
    )
    expect(senderSetup('cloudevents', context({ kind: 'cloudevents' }).settings, URL).text).toContain(
      `${URL}?access_token=<secret>`,
    )
    const github = context({ kind: 'webhook', signing: 'github' }).settings
    expect(senderSetup('webhook', github, URL).text).toContain('X-Hub-Signature-256: sha256=')
  })
})
