import * as v from 'valibot'
import { expect } from 'vitest'
import { IntegrationSettings } from '../../../schema/alerts/integration-settings'
import type { IntegrationKind } from '../../../schema/alerts/received-alert'
import { ApiError } from '../../http/errors'
import type { HookRequest, SenderContext, SenderTrust } from './sender'

export const NOW = Date.parse('2026-12-03T21:34:00Z')

/** Trust as in production, except that test key servers live on `.test` hosts. */
export const TEST_TRUST: SenderTrust = {
  snsCertificateHost: /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
  googleJwksUrl: 'https://keys.test/oauth2/v3/certs',
  googleIssuers: ['https://accounts.google.com', 'accounts.google.com'],
}

export const request = (init: {
  body: string | Uint8Array
  headers?: Record<string, string>
  url?: string
  now?: number
}): HookRequest => ({
  method: 'POST',
  url: new URL(init.url ?? 'https://sitewire.test/v1/hooks/int_1'),
  headers: new Headers(init.headers ?? {}),
  body: typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body,
  now: init.now ?? NOW,
})

export const context = <K extends IntegrationKind>(
  settings: { kind: K } & Record<string, unknown>,
  secrets: readonly string[] = ['s3cret-current'],
  overrides: Partial<SenderContext<K>> = {},
): SenderContext<K> => ({
  settings: v.parse(IntegrationSettings, settings) as SenderContext<K>['settings'],
  secrets,
  fetch: () => Promise.reject(new Error('no fetch expected')),
  trust: TEST_TRUST,
  ...overrides,
})

export const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`

/** Asserts the 400 a sender answers an unreadable body with, and returns its details. */
export const malformedDetails = (parse: () => unknown): { path: string; message: string }[] => {
  try {
    parse()
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    const apiError = error as ApiError
    expect(apiError.status).toBe(400)
    expect(apiError.code).toBe('malformed_delivery')
    return apiError.details as { path: string; message: string }[]
  }
  throw new Error('expected the body to be refused')
}
