import { createHash } from 'node:crypto'

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

/**
 * Secrets carry 256 random bits, so one SHA-256 is enough to store them safely. Every API
 * request hashes its key (archives are hashed too), so the hash is node:crypto's, synchronous and hex-encoded natively.
 */
export const sha256Hex = (secret: string | Uint8Array) => createHash('sha256').update(secret).digest('hex')
