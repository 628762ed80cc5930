import { createClient } from '@libsql/client/web'
import { drizzle } from 'drizzle-orm/libsql/web'
import * as projections from '../../schema/db/projections'
import type { Env } from '../env'

/** A libSQL request that hangs is abandoned after this long, so a stalled server can't wedge a projector. */
const REQUEST_TIMEOUT_MS = 15_000

/** The projections database, reached over libSQL's HTTP protocol in every environment. */
export const openProjections = (env: Pick<Env, 'LIBSQL_URL' | 'LIBSQL_AUTH_TOKEN'>) =>
  drizzle(
    createClient({
      url: env.LIBSQL_URL,
      authToken: env.LIBSQL_AUTH_TOKEN,
      fetch: (input: Request | string, init?: RequestInit) =>
        fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
    }),
    { schema: projections },
  )

export type ProjectionsDb = ReturnType<typeof openProjections>
