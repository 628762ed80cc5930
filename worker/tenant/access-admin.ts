import { eq } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import type { ApiKey, CreateApiKeyBody, CreatedApiKey, CreateGrantBody, Grant } from '../../schema/api/access'
import * as store from '../../schema/db/tenant-store'
import type { Principal } from '../access/principal'
import type { WriteContext } from '../auth/caller'
import { apiError, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { byId, toPage } from '../lib/paging'
import { type ApiKeyStore, toApiKey } from './api-key-store'
import type { Commands } from './command'
import { type GrantStore, toGrant } from './grant-store'
import { keyPrincipal, userPrincipal } from './principals'
import type { UserStore } from './user-store'

/** A tenant's API keys and grants: who may call, and with which roles. */
export class AccessAdmin {
  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly tenantId: () => string,
    private readonly keys: ApiKeyStore,
    private readonly grants: GrantStore,
    private readonly users: UserStore,
    private readonly commands: Commands,
    private readonly hasSite: (siteId: string) => boolean,
  ) {}

  /**
   * The principal behind an API key hash and when the key expires (ms, null for never), or
   * null when the key is unknown, revoked or expired.
   */
  authenticateKey(hash: string, now: number): { principal: Principal; expiresAt: number | null } | null {
    const key = this.keys.findLive(hash, now)
    if (!key || !this.keyOwnerActive(key.ownerType, key.ownerId)) return null
    return { principal: keyPrincipal(this.tenantId(), key), expiresAt: key.expiresAt?.getTime() ?? null }
  }

  /**
   * What a user or an API key may do now, as a request of theirs would be allowed; null when
   * the user is disabled or gone, or the key revoked, expired or made by a disabled user.
   */
  principalOf(actor: { type: 'key' | 'user'; id: string }, now: number): Principal | null {
    if (actor.type === 'user') {
      const user = this.users.get(actor.id)
      return user && !user.disabledAt ? userPrincipal(this.tenantId(), user.id, this.grants, null) : null
    }
    const key = this.keys.get(actor.id)
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) return null
    return this.keyOwnerActive(key.ownerType, key.ownerId) ? keyPrincipal(this.tenantId(), key) : null
  }

  // A key acts for the user who made it: it stops working while that user is disabled.
  private keyOwnerActive(ownerType: string | null, ownerId: string | null) {
    if (ownerType !== 'user' || !ownerId) return true
    const owner = this.users.get(ownerId)
    return owner !== undefined && !owner.disabledAt
  }

  async createApiKey(spec: CreateApiKeyBody, write: WriteContext): Promise<Answer<CreatedApiKey>> {
    const secret = await this.keys.newSecret()
    return this.commands.run(write, 'api_key.create', 'api_key', () => {
      const created = this.keys.issue(secret, spec, write.caller.actor)
      return {
        status: 201,
        body: created,
        replay: { ...created, secret: null },
        objectId: created.id,
        details: { name: spec.name, role: spec.role, site_id: spec.site_id, scopes: spec.scopes },
      }
    })
  }

  listApiKeys(
    limit: number,
    cursor: string | undefined,
    includeRevoked: boolean,
  ): Answer<{ items: ApiKey[]; next_cursor: string | null }> {
    const rows = this.keys.list(limit + 1, cursor, includeRevoked)
    return { status: 200, body: toPage(rows, limit, (page) => page.map(toApiKey), byId) }
  }

  getApiKey(id: string): Answer<ApiKey> {
    const row = this.keys.get(id)
    return row
      ? { status: 200, body: toApiKey(row) }
      : refusal(apiError(404, 'not_found', 'API key not found'))
  }

  revokeApiKey(id: string, write: WriteContext): Answer<ApiKey> {
    return this.commands.run(write, 'api_key.revoke', 'api_key', () => {
      const existing = this.keys.get(id)
      if (!existing) throw apiError(404, 'not_found', 'API key not found')
      const row = this.keys.revoke(id, new Date()) ?? existing
      return { status: 200, body: toApiKey(row), objectId: id, details: null }
    })
  }

  createGrant(spec: CreateGrantBody, write: WriteContext): Answer<Grant> {
    return this.commands.run(write, 'grant.create', 'grant', () => {
      const subjectTable = spec.subject.type === 'user' ? store.users : store.teams
      const subject = this.db
        .select({ id: subjectTable.id })
        .from(subjectTable)
        .where(eq(subjectTable.id, spec.subject.id))
        .get()
      if (!subject)
        throw apiError(422, 'unknown_subject', `no ${spec.subject.type} ${spec.subject.id} in this tenant`)
      if (spec.site_id && !this.hasSite(spec.site_id))
        throw apiError(422, 'unknown_site', `no site ${spec.site_id} in this tenant`)
      const row = this.grants.grant(spec, new Date())
      return {
        status: 201,
        body: toGrant(row),
        objectId: row.id,
        details: { subject: spec.subject, role: spec.role, site_id: spec.site_id },
      }
    })
  }

  listGrants(limit: number, cursor: string | undefined, filter: { subjectId?: string; siteId?: string }) {
    const rows = this.grants.list(limit + 1, cursor, filter)
    return { status: 200, body: toPage(rows, limit, (page) => page.map(toGrant), byId) }
  }

  revokeGrant(id: string, write: WriteContext): Answer<Grant> {
    return this.commands.run(write, 'grant.revoke', 'grant', () => {
      const row = this.grants.revoke(id)
      if (!row) throw apiError(404, 'not_found', 'grant not found')
      return {
        status: 200,
        body: toGrant(row),
        objectId: id,
        details: {
          subject: { type: row.subjectType, id: row.subjectId },
          role: row.role,
          site_id: row.siteId,
        },
      }
    })
  }
}
