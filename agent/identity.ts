import * as v from 'valibot'
import { Ulid } from '../schema/common'
import { readJsonFile, type StatePaths, writeFileAtomic } from './state-dir'

/** What enrolment leaves behind: who this agent is and where it connects. */
export const Identity = v.object({
  url: v.string(),
  site_id: Ulid,
  agent_id: Ulid,
  connect_url: v.string(),
  enrolled_at: v.string(),
})
export type Identity = v.InferOutput<typeof Identity>

export const readIdentity = (paths: StatePaths): Identity | undefined =>
  readJsonFile(paths.identity, Identity)

export const writeIdentity = (paths: StatePaths, identity: Identity) =>
  writeFileAtomic(paths.identity, `${JSON.stringify(identity, null, 2)}\n`, { durable: true })

/** The connect route's path, which is also the audience of the agent's JWT. */
export const connectPath = (siteId: string) => `/v1/sites/${siteId}/agents/connect`

/** A platform base URL without its trailing slash. */
export const baseUrl = (url: string) => url.replace(/\/+$/, '')

/** Where to connect: the URL enrolment returned, unless the configuration names another platform URL. */
export const connectUrl = (identity: Identity, urlOverride: string | undefined) =>
  urlOverride
    ? `${baseUrl(urlOverride).replace(/^http/, 'ws')}${connectPath(identity.site_id)}`
    : identity.connect_url
