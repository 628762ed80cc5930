import { fromBase64 } from '../../lib/base64'
import { decodeUtf8 } from './payload'
import { matchesAny } from './secrets'
import type { Verdict } from './sender'

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i
const BASIC = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i

/** The token of `Authorization: Bearer <token>`, or null. */
export const bearerToken = (headers: Headers): string | null =>
  BEARER.exec(headers.get('authorization') ?? '')?.[1] ?? null

/** The password of `Authorization: Basic`, whatever the user name (the secret is the password). */
export const basicPassword = (headers: Headers): string | null => {
  const encoded = BASIC.exec(headers.get('authorization') ?? '')?.[1]
  if (encoded === undefined) return null
  const pair = decodeUtf8(fromBase64(encoded))
  const colon = pair?.indexOf(':') ?? -1
  return pair === null || colon < 0 ? null : pair.slice(colon + 1)
}

/** A credential carried as a query parameter, for senders that cannot set headers. */
export const queryToken = (url: URL, name: string): string | null => url.searchParams.get(name)

/** Accepts the first credential presented if it is one of the integration's secrets. */
export const checkSecret = async (
  presented: readonly (string | null)[],
  secrets: readonly string[],
): Promise<Verdict> => {
  const credential = presented.find((value) => value !== null && value !== '')
  if (credential == null) return { ok: false, reason: 'missing_credentials' }
  return (await matchesAny(credential, secrets)) ? { ok: true } : { ok: false, reason: 'wrong_secret' }
}

/** Bearer, or Basic with the secret as the password: what Alertmanager's `http_config` sends. */
export const checkBearerOrBasic = (headers: Headers, secrets: readonly string[]) =>
  checkSecret([bearerToken(headers), basicPassword(headers)], secrets)
