import { describe, expect, it } from 'vitest'
import { labelsV1 } from './fingerprint'
import { splunk } from './splunk'
import { context, malformedDetails, NOW, request } from './test-support'

/** Splunk's documented webhook body, with a named search. */
const payload = {
  result: { sourcetype: 'mongod', count: '8', host: 'db-1' },
  sid: 'scheduler_admin_search_W2_at_14232356_132',
  results_link: 'http://web.example.local:8000/app/search/@go?sid=scheduler_admin_search_W2_at_14232356_132',
  search_name: 'Mongo errors',
  owner: 'admin',
  app: 'search',
}
const body = JSON.stringify(payload)
const url = (token: string) => `https://sitewire.test/v1/hooks/int_splunk?token=${token}`

describe('splunk sender', () => {
  it('accepts ?token= with either secret and refuses anything else', async () => {
    const ctx = context({ kind: 'splunk' }, ['t1', 't2'])
    expect(await splunk.authenticate(request({ body, url: url('t1') }), ctx)).toEqual({ ok: true })
    expect(await splunk.authenticate(request({ body, url: url('t2') }), ctx)).toEqual({ ok: true })
    expect(await splunk.authenticate(request({ body, url: url('t3') }), ctx)).toEqual({
      ok: false,
      reason: 'wrong_secret',
    })
    expect(
      await splunk.authenticate(request({ body, headers: { authorization: 'Bearer t1' } }), ctx),
    ).toEqual({ ok: false, reason: 'missing_credentials' })
  })

  it('normalises the result row into one firing alert that resolves after the configured time', () => {
    const ctx = context({ kind: 'splunk', resolve_after_seconds: 900, fingerprint_labels: ['host'] })
    expect(splunk.parse(request({ body, url: url('t1') }), ctx)).toEqual({
      deliveryId: 'scheduler_admin_search_W2_at_14232356_132',
      alerts: [
        {
          fingerprint: labelsV1({ search_name: 'Mongo errors', host: 'db-1' }).fingerprint,
          fingerprint_formula: 'labels-v1:host,search_name',
          episode: null,
          name: 'Mongo errors',
          summary: 'Mongo errors',
          status: 'firing',
          severity: 'warning',
          labels: { sourcetype: 'mongod', count: '8', host: 'db-1', search_name: 'Mongo errors' },
          annotations: { sid: 'scheduler_admin_search_W2_at_14232356_132', owner: 'admin', app: 'search' },
          starts_at: new Date(NOW).toISOString(),
          ends_at: null,
          links: [{ rel: 'results', href: payload.results_link }],
          resolve_after_seconds: 900,
        },
      ],
    })
  })

  it('hashes every result field when none are chosen, and names ad-hoc searches', () => {
    const adHoc = JSON.stringify({ ...payload, search_name: null, result: { count: ['1', '2'] } })
    const [alert] = splunk.parse(request({ body: adHoc }), context({ kind: 'splunk' })).alerts
    expect(alert?.fingerprint_formula).toBe('labels-v1:count,search_name')
    expect(alert?.fingerprint).toBe(labelsV1({ count: '1,2', search_name: '' }).fingerprint)
    expect(alert?.name).toBe('Splunk ad-hoc search')
    expect(alert?.labels).toEqual({ count: '1,2' })
    expect(alert?.resolve_after_seconds).toBe(3600)
  })

  it('refuses a body without a search id or result', () => {
    const bad = JSON.stringify({ search_name: 'x', result: { count: 8 } })
    expect(malformedDetails(() => splunk.parse(request({ body: bad }), context({ kind: 'splunk' })))).toEqual(
      [
        { path: 'result.count', message: expect.stringContaining('Invalid type') },
        { path: 'sid', message: expect.stringContaining('Invalid key') },
      ],
    )
  })
})
