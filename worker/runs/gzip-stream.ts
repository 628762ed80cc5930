import { constants, createGzip } from 'node:zlib'

/**
 * A gzip compressor at zlib's fastest level, as a web stream's sink: what is written to
 * `writable` is compressed, and `gzipped` answers the whole `.gz` once it closes.
 * `CompressionStream` offers no level, and its default (6) was most of an archive's cost on
 * the object's thread; run logs still compress about as well at level 1.
 */
export const gzipSink = () => {
  const gzip = createGzip({ level: constants.Z_BEST_SPEED })
  const parts: Buffer[] = []
  gzip.on('data', (part: Buffer) => parts.push(part))
  const gzipped = new Promise<Uint8Array>((resolve, reject) => {
    gzip.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))))
    gzip.on('error', reject)
  })
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) =>
      new Promise<void>((resolve, reject) =>
        gzip.write(chunk, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => {
      gzip.end()
    },
    abort: (reason) => {
      gzip.destroy(reason instanceof Error ? reason : new Error(String(reason)))
    },
  })
  return { writable, gzipped }
}
