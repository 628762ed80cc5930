import type { StoredFile } from '../../schema/api/files'
import { MAX_FILE_BYTES } from '../../schema/tasks/steps'
import { apiError } from '../http/errors'

/**
 * The length a file upload announces. It is required, so that an upload too large is refused
 * before a byte is read, and so that R2 gets a stream of known length.
 */
export const announcedLength = (header: string | null | undefined): number => {
  if (header === null || header === undefined)
    throw apiError(411, 'length_required', 'send the file with a Content-Length header')
  if (!/^\d{1,15}$/.test(header))
    throw apiError(400, 'invalid_content_length', 'Content-Length is not a number')
  const bytes = Number(header)
  if (bytes > MAX_FILE_BYTES)
    throw apiError(413, 'too_large', `files are at most ${MAX_FILE_BYTES} bytes; this one has ${bytes}`)
  return bytes
}

const hex = (digest: ArrayBuffer) =>
  [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')

/**
 * Streams a body into R2 and through SHA-256 at once, never holding it whole. The put fails,
 * storing nothing, when the body is not exactly `bytes` long.
 */
export const storeFile = async (
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | null,
  bytes: number,
): Promise<StoredFile> => {
  const [toBucket, toDigest] = (body ?? new Blob([]).stream()).tee()
  const digest = new crypto.DigestStream('SHA-256')
  await Promise.all([
    bucket.put(key, toBucket.pipeThrough(new FixedLengthStream(bytes))),
    toDigest.pipeTo(digest),
  ])
  return { sha256: hex(await digest.digest), bytes }
}

/** A name as RFC 8187 `filename*` carries it; `encodeURIComponent` leaves `'()*`, which must be escaped too. */
const filenameParameter = (name: string) =>
  `UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`

/** A stored file as a download: its bytes, their length and checksum, and a name to save it as. */
export const fileResponse = (object: R2ObjectBody, sha256: string, name?: string) =>
  new Response(object.body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(object.size),
      etag: `"${sha256}"`,
      ...(name ? { 'content-disposition': `attachment; filename*=${filenameParameter(name)}` } : {}),
    },
  })
