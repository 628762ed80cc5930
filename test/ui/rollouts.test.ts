import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signBuild } from '../../schema/agent/build-signature'
import { openPage } from '../browser'
import { launchChromium } from '../chromium'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { callApi, signIn } from './console-support'

/** A site's Rollouts tab in Chromium, against the platform started as the README starts it. */
describe('rollouts in the web console', () => {
  let dataDir: string
  let platform: RunningPlatform
  let browser: Browser

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-console-rollouts-'))
    ;[platform, browser] = await Promise.all([
      startPlatform({ dataDir, port: testPort(49) }),
      launchChromium(),
    ])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('lists a rollout with each agent’s progress, and pauses it', async () => {
    const key = platform.adminKey as string
    const call = (method: string, path: string, body?: unknown) =>
      callApi(platform.url, key, method, path, body)
    const signing = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    await call('PUT', '/v1/agent-signing-key', { public_key: (await exportJWK(signing.publicKey)).x })
    const content = new TextEncoder().encode('console.log("2.0.0")\n')
    const sha256 = [...new Uint8Array(await crypto.subtle.digest('SHA-256', content))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('')
    const signature = await signBuild(await exportPKCS8(signing.privateKey), { version: '2.0.0', sha256 })
    const build = (await (
      await fetch(`${platform.url}/v1/agent-builds?version=2.0.0&signature=${signature}`, {
        method: 'POST',
        body: content,
        headers: { authorization: `Bearer ${key}` },
      })
    ).json()) as { id: string }

    const site = (await call('POST', '/v1/sites', { name: 'Rollouts' })).body as { id: string }
    const token = (await call('POST', `/v1/sites/${site.id}/enrolment-tokens`, {})).body as { token: string }
    const agentKey = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const enrolled = await fetch(`${platform.url}/v1/agents/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: token.token,
        public_key: (await exportJWK(agentKey.publicKey)).x,
        hostname: 'web-1',
      }),
    })
    const agent = (await enrolled.json()) as { agent_id: string }
    expect((await call('POST', `/v1/sites/${site.id}/agent-rollouts`, { build_id: build.id })).status).toBe(
      201,
    )

    const { page, problems } = await openPage(browser, `${platform.url}/sites/${site.id}/rollouts`)
    await signIn(page, 'admin@localhost', platform.adminPassword as string)
    const rollout = page.getByRole('article', { name: 'Rollout of 2.0.0' })
    await rollout.waitFor()
    expect(await rollout.textContent()).toContain('running')
    const agents = page.getByRole('table', { name: 'Agents of the rollout of 2.0.0' })
    const row = await agents.getByRole('row').nth(1).textContent()
    expect(row).toContain(agent.agent_id)
    expect(row).toContain('upgrading')

    await rollout.getByRole('button', { name: 'Pause' }).click()
    await rollout.getByRole('button', { name: 'Resume' }).waitFor()
    expect(await rollout.textContent()).toContain('paused')
    expect(problems).toEqual([])
  })
})
