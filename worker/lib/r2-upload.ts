/**
 * R2 multipart parts: every part but the last must be the same size, at least 5 MiB; so a
 * stream is cut into parts of exactly this size.
 */
export const PART_BYTES = 5 * 1024 * 1024

/**
 * Writes a body of unknown length to R2 holding at most one part in memory: a body shorter
 * than a part is one `put`, a longer one a multipart upload (R2's `put` needs a stream's
 * length up front, which a CSV read page by page does not know). Answers the bytes written.
 */
export const putStream = async (
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | Uint8Array,
  contentType: string,
  partBytes = PART_BYTES,
): Promise<number> => {
  const httpMetadata = { contentType }
  if (body instanceof Uint8Array) {
    await bucket.put(key, body, { httpMetadata })
    return body.byteLength
  }
  const reader = body.getReader()
  const buffer = new Uint8Array(partBytes)
  let filled = 0
  let total = 0
  let upload: R2MultipartUpload | undefined
  const parts: R2UploadedPart[] = []
  const flush = async () => {
    upload ??= await bucket.createMultipartUpload(key, { httpMetadata })
    parts.push(await upload.uploadPart(parts.length + 1, buffer.slice(0, filled)))
    filled = 0
  }
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      let chunk = read.value
      total += chunk.byteLength
      while (chunk.byteLength > 0) {
        const taken = Math.min(chunk.byteLength, partBytes - filled)
        buffer.set(chunk.subarray(0, taken), filled)
        filled += taken
        chunk = chunk.subarray(taken)
        if (filled === partBytes) await flush()
      }
    }
    if (!upload) {
      await bucket.put(key, buffer.slice(0, filled), { httpMetadata })
      return total
    }
    if (filled > 0) await flush()
    await upload.complete(parts)
    return total
  } catch (error) {
    await upload?.abort()
    throw error
  }
}
