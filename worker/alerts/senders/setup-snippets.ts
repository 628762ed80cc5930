import { stringify } from 'yaml'
import type { IntegrationSettings } from '../../../schema/alerts/integration-settings'
import type { IntegrationKind } from '../../../schema/alerts/received-alert'
import { DATADOG_PAYLOAD_TEMPLATE } from '../../../schema/alerts/senders/datadog'

/** Configuration to paste into a sender, the secret written as `<secret>`. */
export interface SenderSetup {
  format: 'yaml' | 'json' | 'text'
  text: string
}

const SECRET = '<secret>'

/** The hook URL with a query credential; the placeholder is left unencoded so it reads as one. */
const withParam = (hookUrl: string, name: string) =>
  `${hookUrl}${hookUrl.includes('?') ? '&' : '?'}${name}=${SECRET}`

const yaml = (value: unknown): SenderSetup => ({ format: 'yaml', text: stringify(value, { lineWidth: 0 }) })
const json = (value: unknown): SenderSetup => ({
  format: 'json',
  text: `${JSON.stringify(value, null, 2)}\n`,
})
const text = (lines: string[]): SenderSetup => ({ format: 'text', text: `${lines.join('\n')}\n` })

/** One generic alert, as the webhook and CloudEvents snippets show it. */
const EXAMPLE_ALERT = {
  name: 'BackupFailed',
  status: 'firing',
  severity: 'high',
  summary: 'nightly backup of db-1 failed',
  labels: { host: 'db-1' },
}

const builders: {
  [K in IntegrationKind]: (
    settings: Extract<IntegrationSettings, { kind: K }>,
    hookUrl: string,
  ) => SenderSetup
} = {
  alertmanager: (_, hookUrl) =>
    yaml({
      receivers: [
        {
          name: 'sitewire',
          webhook_configs: [
            {
              url: hookUrl,
              send_resolved: true,
              http_config: { authorization: { type: 'Bearer', credentials: SECRET } },
            },
          ],
        },
      ],
    }),
  grafana: (settings, hookUrl) =>
    yaml({
      apiVersion: 1,
      contactPoints: [
        {
          orgId: 1,
          name: 'sitewire',
          receivers: [
            {
              uid: 'sitewire',
              type: 'webhook',
              settings: {
                url: hookUrl,
                httpMethod: 'POST',
                ...(settings.hmac
                  ? {
                      hmacConfig: {
                        secret: SECRET,
                        header: 'X-Grafana-Alerting-Signature',
                        ...(settings.timestamp_header === null
                          ? {}
                          : { timestampHeader: settings.timestamp_header }),
                      },
                    }
                  : { authorization_scheme: 'Bearer', authorization_credentials: SECRET }),
              },
            },
          ],
        },
      ],
    }),
  datadog: (settings, hookUrl) =>
    json({
      name: 'sitewire',
      url: hookUrl,
      encode_as: 'json',
      payload: JSON.stringify(DATADOG_PAYLOAD_TEMPLATE),
      custom_headers: JSON.stringify({ [settings.header]: SECRET }),
    }),
  sns: (settings, hookUrl) =>
    text([
      '# Subscribe the endpoint; Sitewire confirms the subscription itself.',
      ...(settings.topic_arns.length === 0 ? ['<topic-arn>'] : settings.topic_arns).map(
        (topic) =>
          `aws sns subscribe --topic-arn ${topic} --protocol https --notification-endpoint ${hookUrl}`,
      ),
      '# Optional: sign with SHA256withRSA instead of SHA1withRSA.',
      'aws sns set-topic-attributes --topic-arn <topic-arn> --attribute-name SignatureVersion --attribute-value 2',
    ]),
  gcp_monitoring: (_, hookUrl) =>
    text([
      '# Token in the URL (webhook_tokenauth):',
      `gcloud beta monitoring channels create --display-name=Sitewire --type=webhook_tokenauth --channel-labels='url=${withParam(hookUrl, 'auth_token')}'`,
      '# Or Basic auth (webhook_basicauth), the secret as password:',
      `gcloud beta monitoring channels create --display-name=Sitewire --type=webhook_basicauth --channel-labels='url=${hookUrl},username=sitewire,password=${SECRET}'`,
    ]),
  gcp_pubsub: (settings, hookUrl) =>
    text([
      '# Cloud Monitoring publishes to a topic (a channel of type pubsub); a push subscription delivers here.',
      `gcloud pubsub subscriptions create sitewire-alerts --topic=<topic> --push-endpoint=${hookUrl} --push-auth-service-account=${settings.service_account_email} --push-auth-token-audience=${settings.audience}`,
    ]),
  splunk: (_, hookUrl) =>
    text([
      '# Webhook alert action URL (Splunk 9.0+: add it to Settings > Server settings > Webhook allow list):',
      withParam(hookUrl, 'token'),
    ]),
  cloudevents: (_, hookUrl) =>
    text([
      '# POST CloudEvents (binary or structured mode) with Authorization: Bearer <secret>, or to:',
      withParam(hookUrl, 'access_token'),
      '# For example:',
      `curl -X POST '${hookUrl}' -H 'Authorization: Bearer ${SECRET}' -H 'ce-specversion: 1.0' -H 'ce-id: 1' -H 'ce-source: //monitor.example' -H 'ce-type: com.example.alert' -H 'Content-Type: application/json' -d '${JSON.stringify(EXAMPLE_ALERT)}'`,
    ]),
  webhook: (settings, hookUrl) =>
    text(
      settings.signing === 'standard_webhooks'
        ? [
            `# POST to ${hookUrl}, signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).`,
            `# Signing secret: ${SECRET} (whsec_…). Body: one alert, or {"alerts": [...]}, e.g.`,
            JSON.stringify(EXAMPLE_ALERT),
          ]
        : [
            `# POST to ${hookUrl} with X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>,`,
            `# keyed by ${SECRET}, and X-GitHub-Delivery: <unique id>. Body: one alert, or {"alerts": [...]}, e.g.`,
            JSON.stringify(EXAMPLE_ALERT),
          ],
    ),
}

/** What to paste into the sender so its deliveries reach `hookUrl` and authenticate. */
export const senderSetup = <K extends IntegrationKind>(
  kind: K,
  settings: Extract<IntegrationSettings, { kind: K }>,
  hookUrl: string,
): SenderSetup => (builders[kind] as (s: typeof settings, url: string) => SenderSetup)(settings, hookUrl)
