import type { IntegrationKind } from '../../../schema/alerts/received-alert'
import { alertmanager } from './alertmanager'
import { cloudevents } from './cloudevents'
import { datadog } from './datadog'
import { gcpMonitoring } from './gcp-monitoring'
import { gcpPubsub } from './gcp-pubsub'
import { grafana } from './grafana'
import type { Sender, SenderTrust } from './sender'
import { sns } from './sns'
import { splunk } from './splunk'
import { webhook } from './webhook'

/** Every kind's sender: the mapped type makes a missing kind a type error. */
export const senders: { readonly [K in IntegrationKind]: Sender<K> } = {
  alertmanager,
  grafana,
  datadog,
  sns,
  gcp_monitoring: gcpMonitoring,
  gcp_pubsub: gcpPubsub,
  splunk,
  cloudevents,
  webhook,
}

/** Where the senders' public keys come from in production. */
export const PRODUCTION_TRUST: SenderTrust = {
  snsCertificateHost: /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
  googleJwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
  googleIssuers: ['https://accounts.google.com', 'accounts.google.com'],
}
