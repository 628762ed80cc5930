import { createClient } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'

/** Applies migrations/ to a libSQL database (a local file URL, the local server, Turso or sqld). */
export const migrateProjections = async (url: string, authToken?: string) => {
  const client = createClient({ url, authToken })
  try {
    await migrate(drizzle(client), { migrationsFolder: new URL('../migrations', import.meta.url).pathname })
  } finally {
    client.close()
  }
}
