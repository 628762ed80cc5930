/**
 * Password hashes: PBKDF2-SHA256 with a random 16-byte salt per password, stored as
 * `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>`.
 */

/**
 * The most iterations Cloudflare's runtime allows (deriveBits refuses more there; local
 * workerd has no cap, so the limit is written down rather than discovered in production).
 */
export const PBKDF2_ITERATIONS = 100_000
const SCHEME = 'pbkdf2-sha256'
const SALT_BYTES = 16
const HASH_BYTES = 32

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

const fromBase64 = (text: string): Uint8Array | undefined => {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
  } catch {
    return undefined
  }
}

const derive = async (password: string, salt: Uint8Array, iterations: number) => {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
    'deriveBits',
  ])
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    HASH_BYTES * 8,
  )
  return new Uint8Array(bits)
}

/** Hashes a password with a new random salt. */
export const hashPassword = async (password: string): Promise<string> => {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const hash = await derive(password, salt, PBKDF2_ITERATIONS)
  return [SCHEME, PBKDF2_ITERATIONS, toBase64(salt), toBase64(hash)].join('$')
}

/**
 * Whether `password` matches a stored hash, compared in constant time. A hash that is not
 * ours, or asks for more iterations than the runtime allows, matches nothing.
 */
export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const [scheme, iterationsText, saltText, hashText, ...rest] = stored.split('$')
  const iterations = Number(iterationsText)
  const salt = fromBase64(saltText ?? '')
  const expected = fromBase64(hashText ?? '')
  if (
    scheme !== SCHEME ||
    rest.length > 0 ||
    !Number.isSafeInteger(iterations) ||
    iterations < 1 ||
    iterations > PBKDF2_ITERATIONS ||
    salt?.length !== SALT_BYTES ||
    expected?.length !== HASH_BYTES
  )
    return false
  const actual = await derive(password, salt, iterations)
  return crypto.subtle.timingSafeEqual(actual, expected)
}

/**
 * Checked in place of a user's hash when nobody has the email, so the answer costs the
 * same time as a wrong password. Its all-zero hash matches no password.
 */
export const UNKNOWN_USER_HASH = [
  SCHEME,
  PBKDF2_ITERATIONS,
  toBase64(new Uint8Array(SALT_BYTES)),
  toBase64(new Uint8Array(HASH_BYTES)),
].join('$')

/** A password to hand out once: 120 random bits as 20 base64url characters. */
export const generatePassword = () =>
  toBase64(crypto.getRandomValues(new Uint8Array(15)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
