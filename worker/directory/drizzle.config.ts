import type { Config } from 'drizzle-kit'

/** The Directory object's SQLite; its migrations run inside the object when it starts. */
export default {
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './schema/db/directory-store.ts',
  out: './worker/directory/migrations',
} satisfies Config
