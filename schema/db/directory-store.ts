import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * The platform directory's SQLite: the tenants, which tenant each sign-in email belongs
 * to, and failed sign-ins. Everything else about a tenant lives in that tenant's own object.
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

/**
 * Failed sign-ins per account (`account:<email>`) and per address (`address:<ip>`), to slow
 * and then refuse guessing. Kept here rather than in each tenant because sign-in finds the
 * tenant here: emails no tenant knows, and addresses trying several tenants, must be
 * counted in the same place, or locks would tell which emails exist.
 */
export const signInFailures = sqliteTable('sign_in_failures', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  firstAt: integer('first_at', { mode: 'timestamp_ms' }).notNull(),
  lockedUntil: integer('locked_until', { mode: 'timestamp_ms' }),
})
