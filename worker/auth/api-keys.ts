/**
 * API key secrets: `sw_<tenant id>_<43 base64url characters>` (256 random bits). The
 * tenant id routes the key to its tenant's object without a global lookup.
 */
export const API_KEY_PATTERN = /^sw_([0-9A-HJKMNP-TV-Z]{26})_[A-Za-z0-9_-]{43}$/

export const newApiKeySecret = (tenantId: string) => `sw_${tenantId}_${randomToken()}`

/** 256 random bits as base64url. */
export const randomToken = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** The tenant a key belongs to, or undefined when it is not a Sitewire key. */
export const tenantOfKey = (secret: string) => API_KEY_PATTERN.exec(secret)?.[1]

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/**
 * SHA-256 as hex. Secrets carry 256 random bits, so one SHA-256 is enough to store them safely.
 * WebCrypto's digest is the fastest here (a few µs for a key, measured in workerd against
 * node:crypto's and a JavaScript one), and archives are hashed by it too.
 */
export const sha256Hex = async (data: string | Uint8Array) => {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    typeof data === 'string' ? new TextEncoder().encode(data) : data,
  )
  let hex = ''
  for (const byte of new Uint8Array(digest)) hex += HEX[byte]
  return hex
}
