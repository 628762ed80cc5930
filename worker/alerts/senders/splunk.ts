import { SplunkPayload } from '../../../schema/alerts/senders/splunk'
import { checkSecret, queryToken } from './credentials'
import { labelsV1 } from './fingerprint'
import { finish, linksOf, parseJsonBody, readPayload } from './payload'
import type { Sender } from './sender'

const TOKEN_PARAM = 'token'
const WHAT = 'Splunk webhook'

/**
 * Splunk's webhook alert action. It cannot send headers, so the secret rides as `?token=`.
 * Splunk alerts only trigger: each is firing, and resolves when `resolve_after_seconds` pass
 * without another. The series is `labels-v1` over `search_name` and the result fields named
 * by `fingerprint_labels` (all of them when none are named); `sid` is the delivery id.
 */
export const splunk: Sender<'splunk'> = {
  kind: 'splunk',
  secretHeaders: [],
  secretParams: [TOKEN_PARAM],
  authenticate: (request, context) => checkSecret([queryToken(request.url, TOKEN_PARAM)], context.secrets),
  parse: (request, context) => {
    const payload = readPayload(SplunkPayload, parseJsonBody(request.body, WHAT), WHAT)
    const result = Object.fromEntries(
      Object.entries(payload.result).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : value,
      ]),
    )
    const searchName = payload.search_name ?? ''
    const chosen = context.settings.fingerprint_labels
    const fingerprint = labelsV1(
      { ...result, search_name: searchName },
      chosen.length === 0 ? [] : ['search_name', ...chosen],
    )
    const name = payload.search_name ?? 'Splunk ad-hoc search'
    return {
      deliveryId: payload.sid,
      alerts: finish(
        [
          {
            ...fingerprint,
            episode: null,
            name,
            summary: name,
            status: 'firing',
            severity: 'warning',
            labels: {
              ...result,
              ...(payload.search_name === null ? {} : { search_name: payload.search_name }),
            },
            annotations: Object.fromEntries(
              Object.entries({ sid: payload.sid, owner: payload.owner, app: payload.app }).filter(
                ([, v]) => v !== '',
              ),
            ),
            starts_at: new Date(request.now).toISOString(),
            ends_at: null,
            links: linksOf([['results', payload.results_link]]),
            resolve_after_seconds: context.settings.resolve_after_seconds,
          },
        ],
        WHAT,
      ),
    }
  },
}
