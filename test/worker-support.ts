import { env, SELF } from 'cloudflare:test'
import { expect } from 'vitest'
import type { CreateApiKeyBody, CreatedApiKey, Role } from '../schema/api/access'
import type { Site } from '../schema/api/sites'
import type { ErrorBody } from '../schema/common'
import type { LoggedEvent } from '../schema/events'

export const BASE = 'https://sitewire.test'

/** A key as its creation answers it, secret included. */
export type IssuedKey = CreatedApiKey & { secret: string }

/** A fresh tenant with an admin key: each test works in its own tenant. */
export const newTenant = async () => {
  const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName('directory'))
  const tenant = await directory.createTenant(`t${crypto.randomUUID().slice(0, 8)}.test`)
  const object = env.TENANT.get(env.TENANT.idFromName(tenant.tenant_id))
  const caller = {
    tenantId: tenant.tenant_id,
    actor: { type: 'key' as const, id: tenant.key_id },
    address: null,
  }
  /** A key with a role, optionally restricted to a site, with other scopes or an expiry. */
  const keyFor = async (role: Role, options: Partial<CreateApiKeyBody> = {}) => {
    const reply = await object.createApiKey(
      { name: role, role, site_id: null, scopes: ['api'], expires_at: null, ...options },
      { caller },
    )
    return (reply.body as IssuedKey).secret
  }
  return { ...tenant, client: client(tenant.api_key), keyFor, object, caller }
}

/** Calls the Worker as a client with `key` would; JSON bodies are serialised for you. */
export const client =
  (key: string | undefined) =>
  async (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const headers = new Headers(init.headers)
    if (key && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`)
    let body = init.body
    if (init.json !== undefined) {
      body = JSON.stringify(init.json)
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    }
    return SELF.fetch(`${BASE}${path}`, { ...init, headers, body })
  }

export type Client = ReturnType<typeof client>

/** Creates a site and returns it, failing the test on anything but 201. */
export const createSite = async (call: Client, name = 'Paris DC1'): Promise<Site> => {
  const response = await call('/v1/sites', { method: 'POST', json: { name } })
  expect(response.status).toBe(201)
  return response.json()
}

/** Asserts the API's error shape and code, and returns the body. */
export const expectError = async (response: Response, status: number, code: string) => {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/application\/json/)
  const body = (await response.json()) as ErrorBody
  expect(body.error.code).toBe(code)
  expect(typeof body.error.message).toBe('string')
  return body
}

/** A valid external CloudEvent. */
export const cloudEvent = (overrides: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: crypto.randomUUID(),
  source: '/monitoring/prometheus',
  type: 'com.example.deploy.finished',
  subject: 'web-1',
  datacontenttype: 'application/json',
  data: { ok: true },
  ...overrides,
})

/** Polls until `check` returns a value other than undefined, or fails after `ms`. */
export const eventually = async <T>(check: () => Promise<T | undefined>, ms = 15_000): Promise<T> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Opens a site's event stream as `call`'s caller would, and collects every event it sends. */
export const openEventStream = async (call: Client, siteId: string, query: string) => {
  const response = await call(`/v1/sites/${siteId}/events/stream?${query}`, {
    headers: { upgrade: 'websocket' },
  })
  expect(response.status).toBe(101)
  const socket = response.webSocket
  if (!socket) throw new Error('no socket')
  const received: LoggedEvent[] = []
  socket.addEventListener('message', (message) => received.push(JSON.parse(message.data as string)))
  socket.accept()
  return { socket, received }
}
