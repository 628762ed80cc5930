import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { PART_BYTES, putStream } from './r2-upload'

/** A stream of `total` bytes, each its offset modulo 251, in chunks of `chunk` bytes. */
const patterned = (total: number, chunk: number) => {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = Math.min(chunk, total - sent)
      controller.enqueue(Uint8Array.from({ length: size }, (_, i) => (sent + i) % 251))
      sent += size
      if (sent === total) controller.close()
    },
  })
}

const sha256 = async (bytes: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16)).join('')

describe('putStream', () => {
  it('writes a stream longer than a part as a multipart upload, byte for byte', async () => {
    const total = 2 * PART_BYTES + 12_345
    const key = `tests/r2-upload/${crypto.randomUUID()}.bin`
    expect(
      await putStream(env.ARCHIVES, key, patterned(total, 64 * 1024 + 7), 'application/octet-stream'),
    ).toBe(total)
    const object = await env.ARCHIVES.get(key)
    expect(object?.size).toBe(total)
    expect(object?.httpMetadata?.contentType).toBe('application/octet-stream')
    const written = await (object as R2ObjectBody).arrayBuffer()
    const expected = await new Response(patterned(total, total)).arrayBuffer()
    expect(await sha256(written)).toBe(await sha256(expected))
  })

  it('writes a short stream, and fixed bytes, with one put', async () => {
    const key = `tests/r2-upload/${crypto.randomUUID()}.csv`
    expect(await putStream(env.ARCHIVES, key, patterned(1000, 300), 'text/csv')).toBe(1000)
    expect((await env.ARCHIVES.get(key))?.size).toBe(1000)
    const fixed = new TextEncoder().encode('{"ok":true}')
    expect(await putStream(env.ARCHIVES, key, fixed, 'application/json')).toBe(fixed.byteLength)
    expect(await (await env.ARCHIVES.get(key))?.text()).toBe('{"ok":true}')
  })
})
