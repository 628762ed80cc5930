import { Buffer } from 'node:buffer'

/** Standard base64 (RFC 4648, padded) of bytes, without building a string per byte. */
export const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')

/** The bytes of standard base64 text; the caller has checked that it is base64. */
export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))
