import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import * as v from 'valibot'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EnrolBody } from '../schema/agent/protocol'
import { resolveConfig } from './config'
import { enrol } from './enrol'
import { readIdentity } from './identity'
import { createLogger } from './log'
import { statePaths } from './state-dir'
import { TestPlatform } from './testing/platform'
import { tempDir } from './testing/temp-dir'

const quiet = createLogger('error', () => undefined)
const newConfig = (flags: { label?: string[] } = {}) =>
  resolveConfig({ stateDir: join(tempDir(), 'state'), ...flags }, {})

let platform: TestPlatform
beforeAll(async () => {
  platform = await TestPlatform.start()
})
afterAll(() => platform.close())

describe('enrol', () => {
  it('registers a new key with the platform and keeps the private half to itself', async () => {
    const config = newConfig({ label: ['env=prod'] })
    const identity = await enrol(await platform.enrolmentToken(), config, quiet)

    const body = platform.enrolments.at(-1)
    expect(v.is(EnrolBody, body)).toBe(true)
    expect(body?.labels).toEqual({ env: 'prod' })
    expect(platform.agents.get(identity.agent_id)).toBe(body?.public_key)

    const paths = statePaths(config.state_dir)
    expect(statSync(config.state_dir).mode & 0o777).toBe(0o700)
    expect(statSync(paths.key).mode & 0o777).toBe(0o600)
    expect(readFileSync(paths.key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(readIdentity(paths)).toEqual({
      url: platform.url,
      site_id: platform.siteId,
      agent_id: identity.agent_id,
      connect_url: `${platform.url.replace('http', 'ws')}/v1/sites/${platform.siteId}/agents/connect`,
      enrolled_at: expect.any(String),
    })
  })

  it('refuses to enrol again before a reset', async () => {
    const config = newConfig()
    const first = await enrol(await platform.enrolmentToken(), config, quiet)
    await expect(enrol(await platform.enrolmentToken(), config, quiet)).rejects.toThrow(
      `already enrolled as agent ${first.agent_id}`,
    )
    expect(readIdentity(statePaths(config.state_dir))?.agent_id).toBe(first.agent_id)
  })

  it('refuses an expired token without asking the platform', async () => {
    const config = newConfig()
    const before = platform.enrolments.length
    const token = await platform.enrolmentToken({ exp: Math.floor(Date.now() / 1000) - 60 })
    await expect(enrol(token, config, quiet)).rejects.toThrow(
      /enrolment token expired at .*ask for a new one/,
    )
    expect(platform.enrolments.length).toBe(before)
    expect(existsSync(config.state_dir)).toBe(false)
  })

  it('refuses what is not an enrolment token', async () => {
    await expect(enrol('not-a-jwt', newConfig(), quiet)).rejects.toThrow('this is not an enrolment token')
    const wrongAudience = await new SignJWT({ url: platform.url, site: platform.siteId })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('something-else')
      .setExpirationTime('5m')
      .sign(new Uint8Array(32))
    await expect(enrol(wrongAudience, newConfig(), quiet)).rejects.toThrow('this is not an enrolment token')
  })

  it('reports the platform refusing the token, and can enrol afterwards', async () => {
    const config = newConfig()
    const forged = await new SignJWT({ url: platform.url, site: platform.siteId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(platform.siteId)
      .setAudience('sitewire-enrol')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('not the platform secret'))
    await expect(enrol(forged, config, quiet)).rejects.toThrow(
      'the platform refused the enrolment (401 invalid_enrolment_token: the enrolment token is not valid)',
    )
    expect(readIdentity(statePaths(config.state_dir))).toBeUndefined()
    await expect(enrol(await platform.enrolmentToken(), config, quiet)).resolves.toMatchObject({
      site_id: platform.siteId,
    })
  })

  it('says when the platform cannot be reached', async () => {
    const token = await platform.enrolmentToken({ url: 'http://127.0.0.1:9' })
    await expect(enrol(token, newConfig(), quiet)).rejects.toThrow(
      'could not reach the platform at http://127.0.0.1:9',
    )
  })
})
