import { createClient } from '@libsql/client/web'
import { drizzle } from 'drizzle-orm/libsql/web'
import * as projections from '../../schema/db/projections'
import type { Env } from '../env'

/** The projections database, reached over libSQL's HTTP protocol in every environment. */
export const openProjections = (env: Pick<Env, 'LIBSQL_URL' | 'LIBSQL_AUTH_TOKEN'>) =>
  drizzle(createClient({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN }), { schema: projections })

export type ProjectionsDb = ReturnType<typeof openProjections>
