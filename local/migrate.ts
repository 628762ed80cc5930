import { migrateProjections } from './projection-migrations'

/** `npm run db:migrate`: applies migrations/ to the libSQL database at LIBSQL_URL (Turso, sqld). */
const url = process.env.LIBSQL_URL
if (!url) {
  console.error(
    'Set LIBSQL_URL (and LIBSQL_AUTH_TOKEN) to the projections database, e.g. libsql://sitewire-acme.turso.io',
  )
  process.exit(2)
}
await migrateProjections(url, process.env.LIBSQL_AUTH_TOKEN)
console.log(
  JSON.stringify({ level: 'info', msg: 'projections migrated', url: url.replace(/\/\/[^@]*@/, '//') }),
)
