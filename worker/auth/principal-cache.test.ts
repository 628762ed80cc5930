import { afterEach, describe, expect, it, vi } from 'vitest'
import { keyPrincipal } from '../../test/principals'
import { client, createSite, newTenant } from '../../test/worker-support'
import { PRINCIPAL_TTL_MS, PrincipalCache } from './principal-cache'

const principal = (keyId: string) =>
  keyPrincipal('t', { actor: { type: 'key', id: keyId }, scopes: ['api'], tenantRole: 'operator' })

describe('the principal cache', () => {
  it('keeps a principal for its TTL, and never past the key’s expiry', () => {
    let now = 1_000
    const cache = new PrincipalCache(5_000, () => now)
    cache.set('a', principal('ka'), null)
    cache.set('b', principal('kb'), 3_000)
    now = 2_999
    expect(cache.get('a')?.actor.id).toBe('ka')
    expect(cache.get('b')?.actor.id).toBe('kb')
    now = 3_000
    expect(cache.get('b')).toBeUndefined()
    now = 5_999
    expect(cache.get('a')?.actor.id).toBe('ka')
    now = 6_000
    expect(cache.get('a')).toBeUndefined()
  })

  it('forgets one key by id, or every key', () => {
    const cache = new PrincipalCache(5_000, () => 0)
    cache.set('a', principal('ka'), null)
    cache.set('b', principal('kb'), null)
    cache.forgetKey('ka')
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('b')?.actor.id).toBe('kb')
    cache.clear()
    expect(cache.get('b')).toBeUndefined()
  })

  it('holds at most 1,000 keys, dropping the oldest', () => {
    const cache = new PrincipalCache(5_000, () => 0)
    for (let i = 0; i <= 1_000; i++) cache.set(`h${i}`, principal(`k${i}`), null)
    expect(cache.get('h0')).toBeUndefined()
    expect(cache.get('h1')?.actor.id).toBe('k1')
    expect(cache.get('h1000')?.actor.id).toBe('k1000')
  })
})

describe('API keys verified through the cache', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const keyIdOf = async (admin: ReturnType<typeof client>, secret: string) => {
    const keys = (await (await admin('/v1/api-keys?limit=1000')).json()) as {
      items: { id: string; prefix: string }[]
    }
    const key = keys.items.find((k) => secret.startsWith(k.prefix))
    if (!key) throw new Error('key not listed')
    return key.id
  }

  it('refuses a key revoked through the API at once', async () => {
    const tenant = await newTenant()
    const secret = await tenant.keyFor('admin')
    const caller = client(secret)
    expect((await caller('/v1/sites')).status).toBe(200)
    const id = await keyIdOf(tenant.client, secret)
    expect((await tenant.client(`/v1/api-keys/${id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await caller('/v1/sites')).status).toBe(401)
  })

  it('refuses a key revoked elsewhere once the TTL has passed', async () => {
    const tenant = await newTenant()
    const secret = await tenant.keyFor('operator')
    const caller = client(secret)
    const site = await createSite(tenant.client)
    expect((await caller(`/v1/sites/${site.id}`)).status).toBe(200)
    // Revoked on the tenant's object directly, as another Worker instance would: this one cannot know.
    await tenant.object.revokeApiKey(await keyIdOf(tenant.client, secret), { caller: tenant.caller })
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    expect((await caller(`/v1/sites/${site.id}`)).status).toBe(200)
    vi.setSystemTime(Date.now() + PRINCIPAL_TTL_MS)
    expect((await caller(`/v1/sites/${site.id}`)).status).toBe(401)
  })

  it('refuses a key once it expires, even when verified a moment before', async () => {
    const tenant = await newTenant()
    const expiresAt = Date.now() + 60_000
    const secret = await tenant.keyFor('viewer', { expires_at: new Date(expiresAt).toISOString() })
    const caller = client(secret)
    vi.useFakeTimers({ toFake: ['Date'], now: expiresAt - 1_000 })
    expect((await caller('/v1/sites')).status).toBe(200)
    vi.setSystemTime(expiresAt)
    expect((await caller('/v1/sites')).status).toBe(401)
  })
})
