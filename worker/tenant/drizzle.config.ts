import type { Config } from 'drizzle-kit'

/** The Tenant object's SQLite; its migrations run inside the object when it starts. */
export default {
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './schema/db/tenant-store.ts',
  out: './worker/tenant/migrations',
} satisfies Config
