import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_AGENT_JWT_SECONDS } from '../schema/agent/protocol'
import { resolveConfig } from './config'
import { enrol } from './enrol'
import { connectPath } from './identity'
import { readPrivateKey } from './keys'
import { createLogger } from './log'
import { statePaths } from './state-dir'
import { TestPlatform } from './testing/platform'
import { tempDir } from './testing/temp-dir'
import { signAgentToken } from './token'

let platform: TestPlatform
beforeAll(async () => {
  platform = await TestPlatform.start()
})
afterAll(() => platform.close())

describe('signAgentToken', () => {
  it('makes a short-lived JWT for one audience that verifies with the public key the agent registered', async () => {
    const config = resolveConfig({ stateDir: tempDir() }, {})
    const identity = await enrol(
      await platform.enrolmentToken(),
      config,
      createLogger('error', () => undefined),
    )
    const key = await readPrivateKey(statePaths(config.state_dir).key)

    const token = await signAgentToken(key, identity, connectPath(identity.site_id))
    const x = platform.agents.get(identity.agent_id) ?? ''
    const publicKey = await importJWK({ kty: 'OKP', crv: 'Ed25519', x }, 'EdDSA')
    const audience = `/v1/sites/${identity.site_id}/agents/connect`
    const { payload } = await jwtVerify(token, publicKey, {
      audience,
      subject: identity.agent_id,
      algorithms: ['EdDSA'],
    })

    expect(decodeProtectedHeader(token).alg).toBe('EdDSA')
    expect(payload).toEqual({
      sub: identity.agent_id,
      aud: audience,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    })
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(MAX_AGENT_JWT_SECONDS)
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5)
    const again = await jwtVerify(await signAgentToken(key, identity, audience), publicKey, { audience })
    expect(again.payload.jti).not.toBe(payload.jti)

    // A token for a file's path is worth nothing on the connect route, and the other way round.
    const filePath = `/v1/sites/${identity.site_id}/files/01J00000000000000000000002`
    const forFile = await signAgentToken(key, identity, filePath)
    await expect(jwtVerify(forFile, publicKey, { audience })).rejects.toThrow(/aud/)
    expect((await jwtVerify(forFile, publicKey, { audience: filePath })).payload.aud).toBe(filePath)
  })
})
