import { DurableObject } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import { monotonicFactory } from 'ulid'
import type {
  ApiKey,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateGrantBody,
  Grant,
  ListAuditQuery,
} from '../../schema/api/access'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import * as store from '../../schema/db/tenant-store'
import type { Principal } from '../access/principal'
import type { Env } from '../env'
import { ApiError, apiError } from '../http/errors'
import { IdempotencyStore, type Reply } from '../lib/idempotency'
import { errorMessage, log, setLogLevel } from '../lib/log'
import { siteOf } from '../objects'
import type { WriteContext } from '../site/site'
import { ApiKeyStore, toApiKey } from './api-key-store'
import { type AuditRecord, AuditTrail } from './audit-trail'
import { GrantStore, toGrant } from './grant-store'
import migrations from './migrations/migrations.js'

const nextId = monotonicFactory()
/** Site objects rebuilt at once during a projection rebuild. */
const REBUILD_CONCURRENCY = 8
const TENANT_ID_KEY = 'tenant_id'

/**
 * One tenant: its API keys, users, teams and grants, its audit trail and its registry of
 * sites. Every change of access is written with its audit record in one transaction.
 */
export class TenantObject extends DurableObject<Env> {
  private db!: DrizzleSqliteDODatabase<typeof store>
  private keys!: ApiKeyStore
  private grants!: GrantStore
  private auditTrail!: AuditTrail
  private idempotency!: IdempotencyStore

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(async () => {
      this.db = drizzle(ctx.storage, { schema: store })
      await migrate(this.db, migrations)
      this.keys = new ApiKeyStore(this.db, () => this.tenantId)
      this.grants = new GrantStore(this.db)
      this.auditTrail = new AuditTrail(this.db)
      this.idempotency = new IdempotencyStore(ctx.storage.sql)
    })
  }

  private get tenantId(): string {
    const id = this.ctx.storage.kv.get<string>(TENANT_ID_KEY)
    if (!id) throw new Error('tenant object used before it was initialised')
    return id
  }

  /** Binds this object to its tenant and creates the first admin key; returns its secret once. */
  async initialize(tenantId: string, domain: string): Promise<CreatedApiKey> {
    if (this.ctx.storage.kv.get(TENANT_ID_KEY)) throw new Error(`tenant ${tenantId} is initialised already`)
    this.ctx.storage.kv.put(TENANT_ID_KEY, tenantId)
    const secret = await this.keys.newSecret()
    const key = this.keys.issue(
      secret,
      { name: 'admin', role: 'admin', site_id: null, scopes: ['api'], expires_at: null },
      null,
    )
    this.auditTrail.record({
      actor: { type: 'anonymous', id: null },
      action: 'tenant.create',
      object: { type: 'tenant', id: tenantId },
      site_id: null,
      address: null,
      status: 201,
      details: { domain, admin_key_id: key.id },
    })
    return key
  }

  // Authentication

  /** The principal behind an API key hash, or null when the key is unknown, revoked or expired. */
  authenticateKey(hash: string): Principal | null {
    const key = this.keys.findLive(hash, Date.now())
    if (!key) return null
    return {
      tenantId: this.tenantId,
      actor: { type: 'key', id: key.id },
      scopes: key.scopes,
      siteRestriction: key.siteId,
      tenantRole: key.siteId ? null : key.role,
      siteRoles: key.siteId ? { [key.siteId]: key.role } : {},
    }
  }

  // API keys

  async createApiKey(spec: CreateApiKeyBody, write: WriteContext): Promise<Reply<CreatedApiKey>> {
    const secret = await this.keys.newSecret()
    return this.command(write, 'api_key.create', 'api_key', () => {
      const created = this.keys.issue(secret, spec, write.caller.actor)
      return {
        status: 201,
        body: created,
        objectId: created.id,
        details: { name: spec.name, role: spec.role, site_id: spec.site_id, scopes: spec.scopes },
      }
    })
  }

  listApiKeys(
    limit: number,
    cursor: string | undefined,
    includeRevoked: boolean,
  ): Reply<{ items: ApiKey[]; next_cursor: string | null }> {
    const rows = this.keys.list(limit + 1, cursor, includeRevoked)
    const page = rows.slice(0, limit)
    return {
      status: 200,
      body: {
        items: page.map(toApiKey),
        next_cursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      },
    }
  }

  getApiKey(id: string): Reply<ApiKey> {
    const row = this.keys.get(id)
    return row
      ? { status: 200, body: toApiKey(row) }
      : errorReply(apiError(404, 'not_found', 'API key not found'))
  }

  revokeApiKey(id: string, write: WriteContext): Reply<ApiKey> {
    return this.command(write, 'api_key.revoke', 'api_key', () => {
      const existing = this.keys.get(id)
      if (!existing) throw apiError(404, 'not_found', 'API key not found')
      const row = this.keys.revoke(id, new Date()) ?? existing
      return { status: 200, body: toApiKey(row), objectId: id, details: null }
    })
  }

  // Grants

  createGrant(spec: CreateGrantBody, write: WriteContext): Reply<Grant> {
    return this.command(write, 'grant.create', 'grant', () => {
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
    const page = rows.slice(0, limit)
    return {
      status: 200,
      body: { items: page.map(toGrant), next_cursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null },
    }
  }

  revokeGrant(id: string, write: WriteContext): Reply<Grant> {
    return this.command(write, 'grant.revoke', 'grant', () => {
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

  // Audit

  recordAudit(entry: AuditRecord) {
    this.auditTrail.record(entry)
  }

  listAudit(query: ListAuditQuery) {
    return { status: 200, body: this.auditTrail.list(query) }
  }

  // Sites

  /**
   * Registers a new site and creates it in its own object. The registry row is written
   * before the site object is called, so a retry with the same Idempotency-Key finds the
   * same site id even if the first attempt died half-way.
   */
  async createSite(input: CreateSiteBody, write: WriteContext): Promise<Reply<Site>> {
    try {
      const now = Date.now()
      const replay = this.idempotency.find(write.idempotency, now)
      if (replay) return replay as Reply<Site>
      const claimKey = write.idempotency?.key ?? null
      const claimed = claimKey
        ? this.db.select().from(store.siteRegistry).where(eq(store.siteRegistry.createdByKey, claimKey)).get()
        : undefined
      const siteId = claimed?.id ?? nextId()
      if (!claimed) {
        this.db
          .insert(store.siteRegistry)
          .values({ id: siteId, createdAt: new Date(now), createdByKey: claimKey })
          .run()
      }
      const reply = (await siteOf(this.env, siteId).createSite(siteId, input, {
        caller: write.caller,
      })) as Reply<Site>
      if (reply.status < 300) this.idempotency.save(write.idempotency, reply, now)
      return reply
    } catch (error) {
      if (error instanceof ApiError) return errorReply(error)
      throw error
    }
  }

  hasSite(siteId: string): boolean {
    return (
      this.db
        .select({ id: store.siteRegistry.id })
        .from(store.siteRegistry)
        .where(eq(store.siteRegistry.id, siteId))
        .get() !== undefined
    )
  }

  /** Has every site of the tenant drop and replay its projected rows. */
  async rebuildProjections(): Promise<{ sites: number; failed: string[] }> {
    const ids = this.db
      .select({ id: store.siteRegistry.id })
      .from(store.siteRegistry)
      .all()
      .map((row) => row.id)
    const failed: string[] = []
    const queue = [...ids]
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          await siteOf(this.env, id).rebuildProjection()
        } catch (error) {
          failed.push(id)
          log('error', 'projection rebuild failed', { site_id: id, error: errorMessage(error) })
        }
      }
    }
    await Promise.all(Array.from({ length: REBUILD_CONCURRENCY }, worker))
    return { sites: ids.length, failed }
  }

  /**
   * Runs a change of access: replays a repeated Idempotency-Key, or applies the change and
   * writes its audit record and its answer in one transaction. A refused change leaves
   * nothing but its own audit record.
   */
  private command<T>(
    write: WriteContext,
    action: string,
    objectType: string,
    apply: () => Reply<T> & { objectId: string; details: Record<string, unknown> | null },
  ): Reply<T> {
    const now = Date.now()
    const audit = (status: number, objectId: string | null, details: Record<string, unknown> | null) =>
      this.auditTrail.record(
        {
          actor: write.caller.actor,
          action,
          object: { type: objectType, id: objectId },
          site_id: null,
          address: write.caller.address,
          status,
          details,
        },
        now,
      )
    try {
      const replay = this.idempotency.find(write.idempotency, now)
      if (replay) return replay as Reply<T>
      return this.ctx.storage.transactionSync(() => {
        const { objectId, details, ...reply } = apply()
        audit(reply.status, objectId, details)
        this.idempotency.save(write.idempotency, reply, now)
        return reply
      })
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      audit(error.status, null, { code: error.code })
      return errorReply(error)
    }
  }
}

const errorReply = <T>(error: ApiError): Reply<T> => ({ status: error.status, body: error.toBody() as T })
