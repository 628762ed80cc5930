import os from 'node:os'
import { decodeJwt } from 'jose'
import * as v from 'valibot'
import { type EnrolBody, Enrolled, EnrolmentClaims } from '../schema/agent/protocol'
import { ErrorBody } from '../schema/common'
import type { AgentConfig } from './config'
import { AgentError } from './errors'
import { baseUrl, type Identity, readIdentity, writeIdentity } from './identity'
import { generateAgentKey, writePrivateKey } from './keys'
import { errorMessage, type Logger } from './log'
import { ensureStateDir, statePaths } from './state-dir'
import { TrustedKeyFile } from './upgrade/trusted-key'

const ENROL_TIMEOUT_MS = 30_000

/** The token's claims, read but not verified: the platform that signed it checks it. */
export const readEnrolmentToken = (token: string, now = Date.now()): EnrolmentClaims => {
  let claims: unknown
  try {
    claims = decodeJwt(token)
  } catch {
    throw new AgentError('this is not an enrolment token: ask for a new one in Sitewire')
  }
  const parsed = v.safeParse(EnrolmentClaims, claims)
  if (!parsed.success) throw new AgentError(`this is not an enrolment token: ${v.summarize(parsed.issues)}`)
  if (parsed.output.exp * 1000 <= now) {
    const expired = new Date(parsed.output.exp * 1000).toISOString()
    throw new AgentError(`the enrolment token expired at ${expired}: ask for a new one in Sitewire`)
  }
  return parsed.output
}

const postEnrolment = async (url: string, body: EnrolBody): Promise<Enrolled> => {
  let response: Response
  try {
    response = await fetch(`${url}/v1/agents/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ENROL_TIMEOUT_MS),
    })
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause
    throw new AgentError(`could not reach the platform at ${url}: ${errorMessage(cause ?? error)}`)
  }
  const json: unknown = await response.json().catch(() => undefined)
  if (response.status !== 201) {
    const refused = v.safeParse(ErrorBody, json)
    const reason = refused.success
      ? `${refused.output.error.code}: ${refused.output.error.message}`
      : `HTTP ${response.status}`
    throw new AgentError(`the platform refused the enrolment (${response.status} ${reason})`)
  }
  const enrolled = v.safeParse(Enrolled, json)
  if (!enrolled.success)
    throw new AgentError(`the platform answered the enrolment unreadably: ${v.summarize(enrolled.issues)}`)
  return enrolled.output
}

/**
 * Enrols this machine: a new Ed25519 key pair whose private half never leaves the state
 * directory, the public half registered with the platform along with the token. The key is
 * written before the request, so an enrolment the platform accepted always has its key here.
 */
export const enrol = async (token: string, config: AgentConfig, log: Logger): Promise<Identity> => {
  const paths = statePaths(config.state_dir)
  const existing = readIdentity(paths)
  if (existing) {
    throw new AgentError(
      `already enrolled as agent ${existing.agent_id} of site ${existing.site_id}; run "sitewire-agent reset --yes" first to enrol again`,
    )
  }
  const claims = readEnrolmentToken(token)
  const url = baseUrl(config.url ?? claims.url)
  ensureStateDir(config.state_dir)
  const key = await generateAgentKey()
  writePrivateKey(paths.key, key.privateKeyPem)
  const enrolled = await postEnrolment(url, {
    token,
    public_key: key.publicKey,
    hostname: os.hostname(),
    labels: config.labels,
  })
  const identity: Identity = {
    url,
    site_id: enrolled.site_id,
    agent_id: enrolled.agent_id,
    connect_url: enrolled.connect_url,
    enrolled_at: new Date().toISOString(),
  }
  writeIdentity(paths, identity)
  await new TrustedKeyFile(paths.signingKey, log).offered(enrolled.signing_key)
  log.info('enrolled', {
    agent_id: identity.agent_id,
    site_id: identity.site_id,
    status: enrolled.status,
    url,
  })
  if (enrolled.status === 'pending')
    log.info('waiting for an administrator to approve this agent in Sitewire')
  return identity
}
