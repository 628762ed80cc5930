import { GrafanaPayload } from '../../../schema/alerts/senders/grafana'
import { groupDelivery } from './alertmanager'
import { checkBearerOrBasic } from './credentials'
import { checkTimestamp, hexMacMatches } from './hmac'
import { linksOf } from './payload'
import type { HookRequest, Sender, SenderContext, Verdict } from './sender'

const SIGNATURE_HEADER = 'x-grafana-alerting-signature'
const WHAT = 'Grafana webhook'

/**
 * Grafana's HMAC (12.x): lowercase hex HMAC-SHA256 of the body, or of `ts:body` when a
 * timestamp header is configured, in which case the timestamp must be recent.
 */
const checkHmac = async (request: HookRequest, context: SenderContext<'grafana'>): Promise<Verdict> => {
  const signature = request.headers.get(SIGNATURE_HEADER)
  if (signature === null || signature === '') return { ok: false, reason: 'missing_signature' }
  const timestampHeader = context.settings.timestamp_header
  let prefix = ''
  if (timestampHeader !== null) {
    const timestamp = request.headers.get(timestampHeader)
    const fresh = checkTimestamp(timestamp, request.now)
    if (!fresh.ok) return fresh
    prefix = `${timestamp}:`
  }
  return (await hexMacMatches(signature, context.secrets, request.body, prefix))
    ? { ok: true }
    : { ok: false, reason: 'bad_signature' }
}

/** Grafana unified alerting's webhook contact point: Alertmanager's shape with Grafana's links. */
export const grafana: Sender<'grafana'> = {
  kind: 'grafana',
  secretHeaders: ['authorization'],
  secretParams: [],
  authenticate: (request, context) =>
    context.settings.hmac
      ? checkHmac(request, context)
      : checkBearerOrBasic(request.headers, context.secrets),
  parse: (request) =>
    groupDelivery(request.body, GrafanaPayload, WHAT, 'grafana', (alert, payload) => ({
      links: linksOf([
        ['source', alert.generatorURL],
        ['dashboard', alert.dashboardURL],
        ['panel', alert.panelURL],
        ['silence', alert.silenceURL],
        ['image', alert.imageURL],
        ['grafana', payload.externalURL],
      ]),
      annotations: {
        ...alert.annotations,
        ...(alert.valueString === '' ? {} : { grafana_value_string: alert.valueString }),
        ...(alert.ruleUID === '' ? {} : { grafana_rule_uid: alert.ruleUID }),
      },
    })),
}
