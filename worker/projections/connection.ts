import type { Env } from '../env'
import { apiError } from '../http/errors'
import { errorMessage, log } from '../lib/log'
import { openProjections, type ProjectionsDb } from './database'

let cached: { url: string; db: ProjectionsDb } | undefined

/** The projections database for this isolate, opened once per URL. */
const projections = (env: Env): ProjectionsDb => {
  if (cached?.url !== env.LIBSQL_URL) cached = { url: env.LIBSQL_URL, db: openProjections(env) }
  return cached.db
}

/**
 * Runs a read on the projections. Any failure there is libSQL being unreachable or
 * unwell, which callers see as a 503 to retry; the site logs stay readable meanwhile.
 */
export const readProjections = async <T>(env: Env, query: (db: ProjectionsDb) => Promise<T>): Promise<T> => {
  try {
    return await query(projections(env))
  } catch (error) {
    log('error', 'projections read failed', { error: errorMessage(error) })
    throw apiError(
      503,
      'projections_unavailable',
      'the projections database is unreachable; try again shortly',
    )
  }
}
