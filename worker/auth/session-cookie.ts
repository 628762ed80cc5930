import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { SESSION_LIFETIME_MS } from '../tenant/session-store'

/** The browser session cookie: `<tenant id>.<secret>`; the tenant id routes it without a lookup. */
const SESSION_COOKIE = 'sitewire_session'
const TOKEN_PATTERN = /^([0-9A-HJKMNP-TV-Z]{26})\.([A-Za-z0-9_-]{43})$/

/** Scripts can't read it, it only travels over HTTPS, and never on another site's requests. */
const ATTRIBUTES = { httpOnly: true, secure: true, sameSite: 'Strict', path: '/' } as const

export const sessionToken = (tenantId: string, secret: string) => `${tenantId}.${secret}`

/** The session token the request carries, if it has a well-formed one. */
export const sessionTokenOf = (c: Context) => {
  const match = TOKEN_PATTERN.exec(getCookie(c, SESSION_COOKIE) ?? '')
  return match?.[1] && match[2] ? { tenantId: match[1], secret: match[2] } : undefined
}

export const hasSessionCookie = (c: Context) => getCookie(c, SESSION_COOKIE) !== undefined

export const setSessionCookie = (c: Context, token: string) =>
  setCookie(c, SESSION_COOKIE, token, { ...ATTRIBUTES, maxAge: SESSION_LIFETIME_MS / 1000 })

export const clearSessionCookie = (c: Context) => deleteCookie(c, SESSION_COOKIE, ATTRIBUTES)
