import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'

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
 * request hashes its key, so the hash is synchronous and in JavaScript: for a few dozen bytes
 * that is a few µs, where WebCrypto's costs an await and node:crypto's builds a stream.
 */
export const sha256Hex = (secret: string) => bytesToHex(sha256(utf8ToBytes(secret)))
