import { exportJWK, exportPKCS8, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { endorseKey, signBuild } from '../../schema/agent/build-signature'
import type { AgentBuild, SigningKey } from '../../schema/api/agent-builds'
import { type Client, expectError, newTenant } from '../../test/worker-support'

let admin: Client
let other: Client

const newKey = async () => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  return { pem: await exportPKCS8(privateKey), publicKey: (await exportJWK(publicKey)).x as string }
}

const sha256 = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')

const putKey = (call: Client, body: unknown) =>
  call('/v1/agent-signing-key', {
    method: 'PUT',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  })

const upload = (call: Client, query: string, body: Uint8Array) =>
  call(`/v1/agent-builds?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/javascript' } })

const bundle = (text: string) => new TextEncoder().encode(text)

beforeAll(async () => {
  admin = (await newTenant()).client
  other = (await newTenant()).client
})

describe('agent signing key', () => {
  it('is set once, replaced only with the current key’s endorsement', async () => {
    await expectError(await admin('/v1/agent-signing-key'), 404, 'not_found')
    const first = await newKey()
    const created = await putKey(admin, { public_key: first.publicKey })
    expect(created.status).toBe(201)
    expect(((await created.json()) as SigningKey).endorsement).toBeNull()
    // The same key again changes nothing.
    expect((await putKey(admin, { public_key: first.publicKey })).status).toBe(200)

    const second = await newKey()
    await expectError(await putKey(admin, { public_key: second.publicKey }), 422, 'endorsement_required')
    const forged = await endorseKey(second.pem, second.publicKey)
    await expectError(
      await putKey(admin, { public_key: second.publicKey, endorsement: forged }),
      422,
      'invalid_endorsement',
    )
    expect(((await (await admin('/v1/agent-signing-key')).json()) as SigningKey).public_key).toBe(
      first.publicKey,
    )

    const endorsement = await endorseKey(first.pem, second.publicKey)
    const rotated = await putKey(admin, { public_key: second.publicKey, endorsement })
    expect(rotated.status).toBe(200)
    expect(await rotated.json()).toMatchObject({ public_key: second.publicKey, endorsement })
    // Another tenant has its own key, none yet.
    await expectError(await other('/v1/agent-signing-key'), 404, 'not_found')
  })

  it('refuses bad input', async () => {
    await expectError(await putKey(admin, { public_key: 'short' }), 400, 'validation_failed')
    await expectError(await putKey(admin, { public_key: 'A'.repeat(43), extra: 1 }), 400, 'validation_failed')
    const malformed = await admin('/v1/agent-signing-key', {
      method: 'PUT',
      body: '{',
      headers: { 'content-type': 'application/json' },
    })
    await expectError(malformed, 400, 'malformed_json')
  })
})

describe('agent builds', () => {
  it('stores a build with its SHA-256 and what its signature is worth', async () => {
    const tenant = (await newTenant()).client
    const key = await newKey()
    const content = bundle('console.log("agent 2.0.0")\n')
    const digest = await sha256(content)
    const signature = await signBuild(key.pem, { version: '2.0.0', sha256: digest })
    // A signature needs the key it is checked with.
    await expectError(
      await upload(tenant, `version=2.0.0&signature=${signature}`, content),
      422,
      'no_signing_key',
    )
    expect((await putKey(tenant, { public_key: key.publicKey })).status).toBe(201)

    const good = await upload(tenant, `version=2.0.0&signature=${signature}`, content)
    expect(good.status).toBe(201)
    const build = (await good.json()) as AgentBuild
    expect(build).toMatchObject({
      version: '2.0.0',
      sha256: digest,
      bytes: content.length,
      signature,
      signature_status: 'valid',
    })
    // Signed for another version, by another key, or not at all.
    const asOther = await upload(tenant, `version=2.0.1&signature=${signature}`, content)
    expect(((await asOther.json()) as AgentBuild).signature_status).toBe('invalid')
    const stranger = await newKey()
    const foreign = await signBuild(stranger.pem, { version: '2.0.0', sha256: digest })
    const byStranger = await upload(tenant, `version=2.0.0&signature=${foreign}`, content)
    expect(((await byStranger.json()) as AgentBuild).signature_status).toBe('invalid')
    const unsigned = (await (await upload(tenant, 'version=2.0.0', content)).json()) as AgentBuild
    expect(unsigned).toMatchObject({ signature: null, signature_status: 'unsigned' })

    expect(await (await tenant(`/v1/agent-builds/${build.id}`)).json()).toEqual(build)
    const download = await tenant(`/v1/agent-builds/${build.id}/content`)
    expect(download.headers.get('etag')).toBe(`"${digest}"`)
    expect(await download.text()).toBe('console.log("agent 2.0.0")\n')

    const first = (await (await tenant('/v1/agent-builds?limit=2')).json()) as {
      items: AgentBuild[]
      next_cursor: string
    }
    expect(first.items.map((item) => item.id)).toEqual([build.id, expect.any(String)])
    const rest = (await (await tenant(`/v1/agent-builds?limit=2&cursor=${first.next_cursor}`)).json()) as {
      items: AgentBuild[]
      next_cursor: string | null
    }
    expect(rest.items.map((item) => item.signature_status)).toEqual(['invalid', 'unsigned'])
    expect(rest.next_cursor).toBeNull()

    // Another tenant sees none of it.
    await expectError(await other(`/v1/agent-builds/${build.id}`), 404, 'not_found')
    await expectError(await other(`/v1/agent-builds/${build.id}`, { method: 'DELETE' }), 404, 'not_found')
    expect(((await (await other('/v1/agent-builds')).json()) as { items: unknown[] }).items).toEqual([])

    const deleted = await tenant(`/v1/agent-builds/${build.id}`, { method: 'DELETE' })
    expect(await deleted.json()).toEqual(build)
    await expectError(await tenant(`/v1/agent-builds/${build.id}`), 404, 'not_found')
  })

  it('refuses bad uploads and stores nothing', async () => {
    const tenant = (await newTenant()).client
    await expectError(await upload(tenant, 'version=bad version', bundle('x')), 400, 'validation_failed')
    await expectError(
      await upload(tenant, 'version=1.0.0&signature=nope', bundle('x')),
      400,
      'validation_failed',
    )
    await expectError(await upload(tenant, 'version=1.0.0', new Uint8Array()), 422, 'empty_build')
    const huge = await tenant('/v1/agent-builds?version=1.0.0', {
      method: 'POST',
      body: 'x',
      headers: { 'content-length': String(64 * 1024 * 1024) },
    })
    expect(huge.status).toBe(413)
    await expectError(await tenant('/v1/agent-builds/01ARZ3NDEKTSV4RRFFQ69G5FAV'), 404, 'not_found')
    await expectError(await tenant('/v1/agent-builds/nope'), 400, 'validation_failed')
    expect(((await (await tenant('/v1/agent-builds')).json()) as { items: unknown[] }).items).toEqual([])
  })
})
