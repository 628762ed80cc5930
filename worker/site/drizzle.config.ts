import type { Config } from 'drizzle-kit'

/** The Site object's SQLite; its migrations run inside the object when it starts. */
export default {
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './schema/db/site-store.ts',
  out: './worker/site/migrations',
} satisfies Config
