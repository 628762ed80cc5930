import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { FileName } from '../events/file'
import { Sha256 } from '../tasks/steps'

/** A file uploaded to a site, for `push` steps to write on agents. Its bytes are at `…/content`. */
export const SiteFile = v.object({
  id: Ulid,
  site_id: Ulid,
  name: v.string(),
  bytes: v.number(),
  sha256: Sha256,
  created_at: Timestamp,
  created_by: v.string(),
})
export type SiteFile = v.InferOutput<typeof SiteFile>
export const SiteFilePage = pageOf(SiteFile)

/** `POST …/files?name=`: the body is the file itself, any content type. */
export const UploadFileQuery = v.object({ name: FileName })
export type UploadFileQuery = v.InferOutput<typeof UploadFileQuery>

export const ListFilesQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })
export type ListFilesQuery = v.InferOutput<typeof ListFilesQuery>

/** What an agent's upload of a fetched file stored: the agent reports the same in `step.finished`. */
export const StoredFile = v.object({ sha256: Sha256, bytes: v.number() })
export type StoredFile = v.InferOutput<typeof StoredFile>
