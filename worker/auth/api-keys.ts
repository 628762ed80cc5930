/** API key secrets: `sw_` and 43 base64url characters (256 random bits). */
const PREFIX = 'sw_'
export const API_KEY_PATTERN = /^sw_[A-Za-z0-9_-]{43}$/

export const newApiKeySecret = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return (
    PREFIX +
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
  )
}

/** Keys carry 256 random bits, so one SHA-256 is enough to store them safely. */
export const hashApiKey = async (secret: string) => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
