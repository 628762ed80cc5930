import { sameText } from './secrets'
import type { Verdict } from './sender'

const encoder = new TextEncoder()

/** Signatures with a timestamp are refused when it is further than this from the arrival time. */
const TOLERANCE_SECONDS = 300

const toHex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('')

const join = (prefix: string, body: Uint8Array) => {
  const head = encoder.encode(prefix)
  const all = new Uint8Array(head.byteLength + body.byteLength)
  all.set(head)
  all.set(body, head.byteLength)
  return all
}

/** Lowercase hex HMAC-SHA256 of `prefix` followed by the body's exact bytes. */
export const hmacSha256Hex = async (secret: string, body: Uint8Array, prefix = ''): Promise<string> => {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return toHex(await crypto.subtle.sign('HMAC', key, join(prefix, body)))
}

/** Whether a presented hex MAC is that of any secret (hex compared case-insensitively, in constant time). */
export const hexMacMatches = async (
  presented: string,
  secrets: readonly string[],
  body: Uint8Array,
  prefix = '',
): Promise<boolean> => {
  const given = presented.toLowerCase()
  const results = await Promise.all(
    secrets.map(async (secret) => sameText(given, await hmacSha256Hex(secret, body, prefix))),
  )
  return results.includes(true)
}

/** A unix-seconds timestamp header checked against the arrival time, ±`TOLERANCE_SECONDS`. */
export const checkTimestamp = (value: string | null, now: number): Verdict => {
  if (value === null || value === '') return { ok: false, reason: 'missing_timestamp' }
  if (!/^\d{1,12}$/.test(value)) return { ok: false, reason: 'bad_timestamp' }
  return Math.abs(Number(value) - now / 1000) > TOLERANCE_SECONDS
    ? { ok: false, reason: 'stale_timestamp' }
    : { ok: true }
}
