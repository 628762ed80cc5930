import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * The Directory object's SQLite: who may call (tenants and API key hashes) and which sites
 * exist. It answers authentication without libSQL, so the API keeps working while the
 * projections are down.
 */

export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  domain: text('domain').notNull().unique(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
})

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** SHA-256 of the secret, hex. The secret itself is never stored. */
    hash: text('hash').notNull().unique(),
    role: text('role', { enum: ['viewer', 'operator', 'admin'] }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('api_keys_tenant').on(t.tenantId)],
)

/** Every site ever created, so the logs can be replayed without reading libSQL. */
export const siteRegistry = sqliteTable(
  'site_registry',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** The Idempotency-Key of the request that created it, so a retry finds the same site. */
    createdByKey: text('created_by_key').unique(),
  },
  (t) => [index('site_registry_tenant').on(t.tenantId, t.id)],
)

export { idempotency } from './site-store'
