import { and, desc, eq, isNull, lt } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { ApiKey, CreateApiKeyBody } from '../../schema/api/access'
import * as store from '../../schema/db/tenant-store'
import { newApiKeySecret, sha256Hex } from '../auth/api-keys'
import { updateRow } from '../lib/update-row'

const nextId = monotonicFactory()
/** `last_used_at` is written at most this often per key, so reads don't each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000

export type ApiKeyRow = typeof store.apiKeys.$inferSelect
type Row = ApiKeyRow
/** A key just issued, with the secret shown this once. */
export type IssuedApiKey = ApiKey & { secret: string }

export interface NewSecret {
  secret: string
  hash: string
}
const iso = (date: Date | null) => (date ? date.toISOString() : null)

export const toApiKey = (row: Row): ApiKey => ({
  id: row.id,
  name: row.name,
  role: row.role,
  site_id: row.siteId,
  scopes: row.scopes,
  prefix: row.prefix,
  owner: row.ownerType && row.ownerId ? { type: row.ownerType, id: row.ownerId } : null,
  created_at: row.createdAt.toISOString(),
  last_used_at: iso(row.lastUsedAt),
  expires_at: iso(row.expiresAt),
  revoked_at: iso(row.revokedAt),
})

/** A tenant's API keys: only hashes are kept; the secret is returned once, at creation. */
export class ApiKeyStore {
  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly tenantId: () => string,
  ) {}

  /** A new secret and its hash; hashing is asynchronous, so it comes before the write. */
  async newSecret(): Promise<NewSecret> {
    const secret = newApiKeySecret(this.tenantId())
    return { secret, hash: await sha256Hex(secret) }
  }

  /** Stores a key for a secret from `newSecret`; call it inside the change's transaction. */
  issue(
    { secret, hash }: NewSecret,
    spec: CreateApiKeyBody,
    owner: { type: 'user' | 'key'; id: string } | null,
  ): IssuedApiKey {
    const row: Row = {
      id: nextId(),
      name: spec.name,
      hash,
      prefix: secret.slice(0, 34),
      role: spec.role,
      siteId: spec.site_id,
      scopes: spec.scopes,
      ownerType: owner?.type ?? null,
      ownerId: owner?.id ?? null,
      createdAt: new Date(),
      lastUsedAt: null,
      expiresAt: spec.expires_at ? new Date(spec.expires_at) : null,
      revokedAt: null,
    }
    this.db.insert(store.apiKeys).values(row).run()
    return { ...toApiKey(row), secret }
  }

  /** The key with this hash if it is neither revoked nor expired; records that it was used. */
  findLive(hash: string, now: number): Row | undefined {
    const key = this.db.select().from(store.apiKeys).where(eq(store.apiKeys.hash, hash)).get()
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) return undefined
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      updateRow(this.db, store.apiKeys, key.id, { lastUsedAt: new Date(now) })
    }
    return key
  }

  get(id: string): Row | undefined {
    return this.db.select().from(store.apiKeys).where(eq(store.apiKeys.id, id)).get()
  }

  /** Newest first. */
  list(limit: number, before: string | undefined, includeRevoked: boolean): Row[] {
    return this.db
      .select()
      .from(store.apiKeys)
      .where(
        and(
          before ? lt(store.apiKeys.id, before) : undefined,
          includeRevoked ? undefined : isNull(store.apiKeys.revokedAt),
        ),
      )
      .orderBy(desc(store.apiKeys.id))
      .limit(limit)
      .all()
  }

  revoke(id: string, now: Date): Row | undefined {
    return this.db
      .update(store.apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(store.apiKeys.id, id), isNull(store.apiKeys.revokedAt)))
      .returning()
      .get()
  }
}
