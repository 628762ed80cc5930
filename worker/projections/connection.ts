import type { Env } from '../env'
import { openProjections, type ProjectionsDb } from './database'

let cached: { url: string; db: ProjectionsDb } | undefined

/** The projections database for this isolate, opened once per URL. */
export const projections = (env: Env): ProjectionsDb => {
  if (cached?.url !== env.LIBSQL_URL) cached = { url: env.LIBSQL_URL, db: openProjections(env) }
  return cached.db
}
