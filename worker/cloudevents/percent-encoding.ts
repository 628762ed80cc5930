/** Characters a header value carries as they are: printable ASCII but space, `"` and `%`. */
const PLAIN = /^[\x21\x23\x24\x26-\x7e]$/

/**
 * Percent-encodes a `ce-*` header value as the HTTP binding asks (3.1.3.2): space, `"`, `%`
 * and everything outside printable ASCII, as the bytes of its UTF-8 encoding.
 */
export const percentEncode = (value: string): string =>
  Array.from(value, (char) => (PLAIN.test(char) ? char : encodeUtf8(char))).join('')

const encodeUtf8 = (char: string) =>
  Array.from(
    new TextEncoder().encode(char),
    (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('')

/** Why a header value could not be decoded, or its text. */
export type Decoded = { ok: true; value: string } | { ok: false; reason: string }

/**
 * Decodes a `ce-*` header value. Raw bytes outside printable ASCII are refused rather than
 * guessed at: a sender must percent-encode them, and a guess would store other characters.
 */
export const percentDecode = (value: string): Decoded => {
  if (/[^\x20-\x7e\t]/.test(value)) {
    return { ok: false, reason: 'holds characters outside printable ASCII: percent-encode them as UTF-8' }
  }
  try {
    return { ok: true, value: decodeURIComponent(value) }
  } catch {
    return { ok: false, reason: 'is not validly percent-encoded UTF-8' }
  }
}
