import * as v from 'valibot'
import { Ulid } from '../common'
import { Sha256 } from '../tasks/steps'

/** A file's name as an operator gives it: shown in lists and offered when downloading. */
export const FileName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'name is required'),
  v.maxLength(255),
  v.regex(/^[^\p{Cc}/\\]+$/u, 'a name without slashes or control characters'),
)

/** Data of `io.sitewire.file.uploaded`: its bytes are in R2, their checksum here. */
export const FileUploaded = v.object({
  file_id: Ulid,
  name: FileName,
  bytes: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: Sha256,
})
export type FileUploaded = v.InferOutput<typeof FileUploaded>

/** Data of `io.sitewire.file.deleted`: its bytes are removed from R2 after this is stored. */
export const FileDeleted = v.object({ file_id: Ulid })
export type FileDeleted = v.InferOutput<typeof FileDeleted>
