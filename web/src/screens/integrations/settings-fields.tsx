import type { IntegrationSettings } from '../../api/types'

export type IntegrationKind = IntegrationSettings['kind']

/** Every kind of sender, as the create form offers them. */
export const KINDS: { kind: IntegrationKind; label: string }[] = [
  { kind: 'alertmanager', label: 'Prometheus Alertmanager' },
  { kind: 'grafana', label: 'Grafana' },
  { kind: 'datadog', label: 'Datadog' },
  { kind: 'sns', label: 'Amazon SNS (CloudWatch)' },
  { kind: 'gcp_monitoring', label: 'Google Cloud Monitoring' },
  { kind: 'gcp_pubsub', label: 'Google Cloud Pub/Sub' },
  { kind: 'splunk', label: 'Splunk' },
  { kind: 'cloudevents', label: 'CloudEvents' },
  { kind: 'webhook', label: 'Signed webhook (generic JSON)' },
]

export const kindLabel = (kind: string) => KINDS.find((k) => k.kind === kind)?.label ?? kind

/** What the form holds for any kind; `settingsOf` keeps only what the chosen kind takes. */
export interface SettingsDraft {
  hmac: boolean
  timestampHeader: string
  header: string
  topicArns: string
  audience: string
  serviceAccountEmail: string
  resolveAfterSeconds: string
  fingerprintLabels: string
  signing: 'standard_webhooks' | 'github'
}

export const emptySettings: SettingsDraft = {
  hmac: false,
  timestampHeader: '',
  header: 'X-Sitewire-Token',
  topicArns: '',
  audience: '',
  serviceAccountEmail: '',
  resolveAfterSeconds: '3600',
  fingerprintLabels: '',
  signing: 'standard_webhooks',
}

const list = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean)

/** The API's `settings` for `kind` from the form's draft. */
export const settingsOf = (kind: IntegrationKind, d: SettingsDraft): IntegrationSettings => {
  const fingerprint_labels = list(d.fingerprintLabels)
  switch (kind) {
    case 'grafana':
      return { kind, hmac: d.hmac, timestamp_header: d.hmac && d.timestampHeader ? d.timestampHeader : null }
    case 'datadog':
      return { kind, header: d.header || 'X-Sitewire-Token', fingerprint_labels }
    case 'sns':
      return { kind, topic_arns: list(d.topicArns) }
    case 'gcp_pubsub':
      return { kind, audience: d.audience, service_account_email: d.serviceAccountEmail }
    case 'splunk':
      return { kind, resolve_after_seconds: Number(d.resolveAfterSeconds), fingerprint_labels }
    case 'cloudevents':
      return { kind, fingerprint_labels }
    case 'webhook':
      return { kind, signing: d.signing, fingerprint_labels }
    default:
      return { kind } as IntegrationSettings
  }
}

/** The fields the chosen kind of sender takes besides its secret (none for some). */
export const SettingsFields = (props: {
  kind: IntegrationKind
  draft: SettingsDraft
  onChange: (draft: SettingsDraft) => void
}) => {
  const { kind, draft } = props
  const set = (changes: Partial<SettingsDraft>) => props.onChange({ ...draft, ...changes })
  const text = (
    name: keyof SettingsDraft,
    label: string,
    placeholder = '',
    type: 'text' | 'number' | 'email' = 'text',
  ) => (
    <label class="field">
      <span>{label}</span>
      <input
        type={type as 'text'}
        placeholder={placeholder}
        value={String(draft[name])}
        onInput={(e) => set({ [name]: e.currentTarget.value })}
      />
    </label>
  )
  const fingerprint = text(
    'fingerprintLabels',
    'Fingerprint labels',
    'alertname, instance (empty: every label)',
  )
  switch (kind) {
    case 'grafana':
      return (
        <div class="form-row">
          <label class="checkbox">
            <input
              type="checkbox"
              checked={draft.hmac}
              onChange={(e) => set({ hmac: e.currentTarget.checked })}
            />
            Sign with HMAC (X-Grafana-Alerting-Signature) instead of a bearer token
          </label>
          {draft.hmac &&
            text('timestampHeader', 'Timestamp header', 'X-Grafana-Alerting-Signature-Timestamp')}
        </div>
      )
    case 'datadog':
      return (
        <div class="form-row">
          {text('header', 'Secret header')}
          {fingerprint}
        </div>
      )
    case 'sns':
      return <div class="form-row">{text('topicArns', 'Topic ARNs (empty: any topic)', 'arn:aws:sns:…')}</div>
    case 'gcp_pubsub':
      return (
        <div class="form-row">
          {text('audience', 'Audience', 'https://…')}
          {text(
            'serviceAccountEmail',
            'Service account email',
            'push@project.iam.gserviceaccount.com',
            'email',
          )}
        </div>
      )
    case 'splunk':
      return (
        <div class="form-row">
          {text('resolveAfterSeconds', 'Resolve after (seconds without a delivery)', '', 'number')}
          {fingerprint}
        </div>
      )
    case 'cloudevents':
      return <div class="form-row">{fingerprint}</div>
    case 'webhook':
      return (
        <div class="form-row">
          <label class="field field-narrow">
            <span>Signing</span>
            <select
              value={draft.signing}
              onChange={(e) => set({ signing: e.currentTarget.value as SettingsDraft['signing'] })}
            >
              <option value="standard_webhooks">Standard Webhooks</option>
              <option value="github">GitHub (X-Hub-Signature-256)</option>
            </select>
          </label>
          {fingerprint}
        </div>
      )
    default:
      return <p class="muted small">This kind needs no settings besides its secret.</p>
  }
}
