import { monotonicFactory } from 'ulid'
import type { CreatedEnrolmentToken, CreateEnrolmentTokenBody, EnrolmentToken } from '../../schema/api/agents'
import { EventType } from '../../schema/events'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import type { SiteKernel } from '../site/feature'
import type { SiteScope } from '../site/site-scope'
import { type AgentRegistry, toEnrolmentToken } from './agent-registry'
import type { EnrolmentSigner } from './enrolment-signer'

const nextId = monotonicFactory()

/**
 * A site's enrolment tokens: signed JWTs an agent enrols with, created (the secret is shown
 * once), listed and revoked.
 */
export class EnrolmentTokens {
  private readonly scope: SiteScope

  constructor(
    private readonly kernel: SiteKernel,
    private readonly registry: AgentRegistry,
    private readonly signer: EnrolmentSigner,
  ) {
    this.scope = kernel.scope
  }

  async create(
    input: CreateEnrolmentTokenBody,
    actor: string,
    idempotency: IdempotencyClaim | undefined,
    platformUrl: string,
  ): Promise<Reply<CreatedEnrolmentToken>> {
    const site = this.scope.present()
    if (site.status === 'archived')
      throw apiError(409, 'site_archived', 'site is archived; restore it to change it')
    const tokenId = nextId()
    const now = this.kernel.now()
    const expiresAt = new Date(now + input.expires_in_seconds * 1000)
    const token = await this.signer.sign({
      iat: Math.floor(now / 1000),
      url: platformUrl,
      site: site.id,
      sub: tokenId,
      exp: Math.floor(expiresAt.getTime() / 1000),
    })
    return this.kernel.commit<CreatedEnrolmentToken>(idempotency, (time) => {
      const data = {
        token_id: tokenId,
        expires_at: expiresAt.toISOString(),
        max_uses: input.max_uses,
        labels: input.labels,
      }
      const created = {
        id: tokenId,
        created_at: time,
        expires_at: data.expires_at,
        max_uses: input.max_uses,
        uses: 0,
        labels: input.labels,
        revoked_at: null,
      }
      return {
        events: this.scope.events([{ type: EventType.enrolmentTokenCreated, data }], tokenId, actor, time),
        reply: () => ({ status: 201, body: { ...created, token } }),
        replay: (body) => ({ ...body, token: null }),
      }
    })
  }

  list(limit: number, cursor: string | undefined): Reply<Page<EnrolmentToken>> {
    this.scope.present()
    return pageReply(this.registry.tokens(limit, cursor), limit, toEnrolmentToken)
  }

  revoke(tokenId: string, actor: string, idempotency: IdempotencyClaim | undefined): Reply<EnrolmentToken> {
    this.scope.present()
    const existing = this.registry.token(tokenId)
    if (!existing) throw apiError(404, 'not_found', 'enrolment token not found')
    return this.kernel.commit<EnrolmentToken>(idempotency, (time) => ({
      events: existing.revokedAt
        ? []
        : this.scope.events(
            [{ type: EventType.enrolmentTokenRevoked, data: { token_id: tokenId } }],
            tokenId,
            actor,
            time,
          ),
      reply: () => ({ status: 200, body: toEnrolmentToken(this.registry.token(tokenId) ?? existing) }),
    }))
  }
}
