import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * The platform directory's SQLite: the tenants, and which tenant each sign-in email
 * belongs to. Everything else about a tenant lives in that tenant's own object.
 */

export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  domain: text('domain').notNull().unique(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
})

export const userEmails = sqliteTable('user_emails', {
  email: text('email').primaryKey(),
  tenantId: text('tenant_id')
    .notNull()
    .references(() => tenants.id),
})
