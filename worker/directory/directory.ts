import { DurableObject } from 'cloudflare:workers'
import { and, count, eq, gt, isNull, or } from 'drizzle-orm'
import { type DrizzleSqliteDODatabase, drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import { monotonicFactory } from 'ulid'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import * as store from '../../schema/db/directory-store'
import { hashApiKey, newApiKeySecret } from '../auth/api-keys'
import type { Env } from '../env'
import { ApiError, apiError } from '../http/errors'
import { IdempotencyStore, type Reply } from '../lib/idempotency'
import { errorMessage, log, setLogLevel } from '../lib/log'
import type { WriteContext } from '../site/site'
import migrations from './migrations/migrations.js'

/** An API key that authenticated, as the Worker needs it. */
export interface NewTenant {
  tenant_id: string
  domain: string
  key_id: string
  api_key: string
}

export interface KeyPrincipal {
  keyId: string
  tenantId: string
  role: 'viewer' | 'operator' | 'admin'
}

/** `last_used_at` is written at most this often per key, so reads don't each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000
/** Site objects rebuilt at once during a projection rebuild. */
const REBUILD_CONCURRENCY = 8

const nextId = monotonicFactory()

/**
 * The platform's directory: tenants, API key hashes and the registry of sites. It is what
 * authentication reads, so the API does not depend on libSQL being up.
 */
export class DirectoryObject extends DurableObject<Env> {
  private db!: DrizzleSqliteDODatabase<typeof store>
  private idempotency!: IdempotencyStore

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(async () => {
      this.db = drizzle(ctx.storage, { schema: store })
      await migrate(this.db, migrations)
      this.idempotency = new IdempotencyStore(ctx.storage.sql)
    })
  }

  /** Creates the first tenant and its admin key; refused once any tenant exists. */
  async bootstrap(domain: string): Promise<Reply<NewTenant>> {
    const existing = this.db.select({ n: count() }).from(store.tenants).get()
    if ((existing?.n ?? 0) > 0) {
      return errorReply(apiError(409, 'already_bootstrapped', 'the platform already has its first tenant'))
    }
    const tenant = await this.createTenant(domain)
    log('info', 'platform bootstrapped', { tenant_id: tenant.tenant_id, key_id: tenant.key_id })
    return { status: 201, body: tenant }
  }

  /** A new tenant with one admin API key, whose secret is returned this once. */
  async createTenant(domain: string): Promise<NewTenant> {
    const tenantId = nextId()
    this.db.insert(store.tenants).values({ id: tenantId, domain, createdAt: new Date() }).run()
    const key = await this.issueApiKey(tenantId, { name: 'admin', role: 'admin' })
    return { tenant_id: tenantId, domain, ...key }
  }

  /** A new API key; only its hash is kept, the secret is returned this once. */
  async issueApiKey(
    tenantId: string,
    spec: { name: string; role: KeyPrincipal['role']; expiresAt?: Date },
  ): Promise<{ key_id: string; api_key: string }> {
    const keyId = nextId()
    const secret = newApiKeySecret()
    this.db
      .insert(store.apiKeys)
      .values({
        id: keyId,
        tenantId,
        name: spec.name,
        hash: await hashApiKey(secret),
        role: spec.role,
        createdAt: new Date(),
        expiresAt: spec.expiresAt ?? null,
      })
      .run()
    return { key_id: keyId, api_key: secret }
  }

  /** Revokes a key at once: the next request with it answers 401. */
  revokeApiKey(tenantId: string, keyId: string): boolean {
    const revoked = this.db
      .update(store.apiKeys)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(store.apiKeys.id, keyId),
          eq(store.apiKeys.tenantId, tenantId),
          isNull(store.apiKeys.revokedAt),
        ),
      )
      .returning({ id: store.apiKeys.id })
      .all()
    return revoked.length > 0
  }

  /** The live key with this hash, or null when it is unknown, revoked or expired. */
  authenticate(hash: string): KeyPrincipal | null {
    const now = Date.now()
    const key = this.db
      .select()
      .from(store.apiKeys)
      .where(
        and(
          eq(store.apiKeys.hash, hash),
          isNull(store.apiKeys.revokedAt),
          or(isNull(store.apiKeys.expiresAt), gt(store.apiKeys.expiresAt, new Date(now))),
        ),
      )
      .get()
    if (!key) return null
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      this.db
        .update(store.apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(store.apiKeys.id, key.id))
        .run()
    }
    return { keyId: key.id, tenantId: key.tenantId, role: key.role }
  }

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
      const claimKey = write.idempotency ? `${write.caller.tenantId}:${write.idempotency.key}` : null
      const claimed = claimKey
        ? this.db.select().from(store.siteRegistry).where(eq(store.siteRegistry.createdByKey, claimKey)).get()
        : undefined
      const siteId = claimed?.id ?? nextId()
      if (!claimed) {
        this.db
          .insert(store.siteRegistry)
          .values({
            id: siteId,
            tenantId: write.caller.tenantId,
            createdAt: new Date(now),
            createdByKey: claimKey,
          })
          .run()
      }
      const site = this.env.SITE.get(this.env.SITE.idFromName(siteId))
      const reply = (await site.createSite(siteId, input, { caller: write.caller })) as Reply<Site>
      if (reply.status < 300) this.idempotency.save(write.idempotency, reply, now)
      return reply
    } catch (error) {
      if (error instanceof ApiError) return errorReply(error)
      throw error
    }
  }

  /** Has every site of the tenant drop and replay its projected rows. */
  async rebuildProjections(tenantId: string): Promise<{ sites: number; failed: string[] }> {
    const ids = this.db
      .select({ id: store.siteRegistry.id })
      .from(store.siteRegistry)
      .where(eq(store.siteRegistry.tenantId, tenantId))
      .all()
      .map((row) => row.id)
    const failed: string[] = []
    const queue = [...ids]
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          await this.env.SITE.get(this.env.SITE.idFromName(id)).rebuildProjection()
        } catch (error) {
          failed.push(id)
          log('error', 'projection rebuild failed', { site_id: id, error: errorMessage(error) })
        }
      }
    }
    await Promise.all(Array.from({ length: REBUILD_CONCURRENCY }, worker))
    return { sites: ids.length, failed }
  }
}

const errorReply = <T>(error: ApiError): Reply<T> => ({ status: error.status, body: error.toBody() as T })
