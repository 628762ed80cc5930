import type { Config } from 'drizzle-kit'

/** libSQL projections. `npm run db:generate` writes migrations/, `npm run db:migrate` applies them. */
export default {
  dialect: 'turso',
  schema: './schema/db/projections.ts',
  out: './migrations',
  dbCredentials: {
    url: process.env.LIBSQL_URL ?? 'file:.data/libsql/sitewire.db',
    authToken: process.env.LIBSQL_AUTH_TOKEN,
  },
} satisfies Config
