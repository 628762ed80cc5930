import { describe, expect, it } from 'vitest'
import { verifySlackRequest } from './slack-signature'

const NOW = Date.parse('2026-12-03T21:34:00Z')
const body = new TextEncoder().encode('token=x&team_id=T1&command=%2Fack&text=INC-12')

/** Headers as Slack sends them with a slash command: v0 = hex HMAC-SHA256 of `v0:ts:body`. */
const signed = async (secret: string, ts = Math.floor(NOW / 1000)) => {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const base = new TextEncoder().encode(`v0:${ts}:${new TextDecoder().decode(body)}`)
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, base))
  return new Headers({
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('')}`,
  })
}

describe('verifySlackRequest', () => {
  it('accepts a request signed with either signing secret', async () => {
    for (const secret of ['first', 'second']) {
      expect(await verifySlackRequest(await signed(secret), body, ['first', 'second'], NOW)).toEqual({
        ok: true,
      })
    }
  })

  it('refuses a wrong secret, a stale timestamp, a missing signature', async () => {
    expect(await verifySlackRequest(await signed('other'), body, ['first'], NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
    const old = Math.floor(NOW / 1000) - 301
    expect(await verifySlackRequest(await signed('first', old), body, ['first'], NOW)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    })
    expect(await verifySlackRequest(new Headers(), body, ['first'], NOW)).toEqual({
      ok: false,
      reason: 'missing_signature',
    })
    const changed = new TextEncoder().encode('token=x&team_id=T1&command=%2Fack&text=INC-13')
    expect(await verifySlackRequest(await signed('first'), changed, ['first'], NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
  })
})
