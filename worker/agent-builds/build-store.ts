import { monotonicFactory } from 'ulid'
import * as v from 'valibot'
import { buildSignatureProblem } from '../../schema/agent/build-signature'
import {
  AgentBuild,
  MAX_AGENT_BUILD_BYTES,
  type SignatureStatus,
  type UploadAgentBuildQuery,
} from '../../schema/api/agent-builds'
import { apiError } from '../http/errors'
import { byId, type Page, toPage } from '../lib/paging'

const nextId = monotonicFactory()

/** Where a tenant's builds live in R2; a site finds a build of its tenant by the same key. */
export const agentBuildKey = (tenantId: string, buildId: string) =>
  `tenants/${tenantId}/agent-builds/${buildId}`

/** Where an agent GETs a build it is told to upgrade to, with a JWT for exactly this path. */
export const agentBuildPath = (siteId: string, buildId: string) =>
  `/v1/sites/${siteId}/agents/builds/${buildId}`

const hex = (digest: ArrayBuffer) =>
  [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')

/** A build's record is the R2 object's custom metadata, so the bytes and what is said of them never part. */
const toBuild = (object: R2Object): AgentBuild | undefined => {
  const parsed = v.safeParse(AgentBuild, {
    ...object.customMetadata,
    bytes: object.size,
    signature: object.customMetadata?.signature || null,
  })
  return parsed.success ? parsed.output : undefined
}

/** A tenant's agent builds in R2: uploaded, listed, read and deleted. */
export class AgentBuildStore {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly tenantId: string,
  ) {}

  /**
   * Stores a build with what its signature is worth against the tenant's key. A build whose
   * signature does not verify is kept, marked so, because agents are the ones that refuse it:
   * rollouts refuse it too unless asked to send it anyway.
   */
  async upload(
    query: UploadAgentBuildQuery,
    content: ArrayBuffer,
    signingKey: string | null,
    actor: string,
    now: number,
  ): Promise<AgentBuild> {
    if (content.byteLength > MAX_AGENT_BUILD_BYTES)
      throw apiError(413, 'too_large', `agent builds are at most ${MAX_AGENT_BUILD_BYTES} bytes`)
    if (content.byteLength === 0) throw apiError(422, 'empty_build', 'the build has no bytes')
    const sha256 = hex(await crypto.subtle.digest('SHA-256', content))
    let status: SignatureStatus = 'unsigned'
    if (query.signature) {
      if (!signingKey)
        throw apiError(422, 'no_signing_key', 'set the tenant’s signing key first: PUT /v1/agent-signing-key')
      const problem = await buildSignatureProblem(signingKey, query.signature, {
        version: query.version,
        sha256,
      })
      status = problem ? 'invalid' : 'valid'
    }
    const build: AgentBuild = {
      id: nextId(now),
      version: query.version,
      sha256,
      bytes: content.byteLength,
      signature: query.signature ?? null,
      signature_status: status,
      created_at: new Date(now).toISOString(),
      created_by: actor,
    }
    await this.bucket.put(agentBuildKey(this.tenantId, build.id), content, {
      sha256,
      customMetadata: {
        id: build.id,
        version: build.version,
        sha256,
        signature: build.signature ?? '',
        signature_status: status,
        created_at: build.created_at,
        created_by: actor,
      },
    })
    return build
  }

  async list(limit: number, cursor: string | undefined): Promise<Page<AgentBuild>> {
    const prefix = agentBuildKey(this.tenantId, '')
    // `include` is in R2's API but not in the types this project has: records need their metadata.
    const options: R2ListOptions & { include: 'customMetadata'[] } = {
      prefix,
      limit: limit + 1,
      include: ['customMetadata'],
      ...(cursor ? { startAfter: prefix + cursor } : {}),
    }
    const listed = await this.bucket.list(options)
    const builds = listed.objects.flatMap((object) => toBuild(object) ?? [])
    return toPage(builds, limit, (page) => [...page], byId)
  }

  async get(buildId: string): Promise<AgentBuild> {
    const object = await this.bucket.head(agentBuildKey(this.tenantId, buildId))
    const build = object && toBuild(object)
    if (!build) throw apiError(404, 'not_found', 'agent build not found')
    return build
  }

  async content(buildId: string): Promise<{ build: AgentBuild; body: R2ObjectBody }> {
    const object = await this.bucket.get(agentBuildKey(this.tenantId, buildId))
    const build = object && toBuild(object)
    if (!object || !build) throw apiError(404, 'not_found', 'agent build not found')
    return { build, body: object }
  }

  async delete(buildId: string): Promise<AgentBuild> {
    const build = await this.get(buildId)
    await this.bucket.delete(agentBuildKey(this.tenantId, buildId))
    return build
  }
}
