const encoder = new TextEncoder()

const sha256 = async (text: string) => crypto.subtle.digest('SHA-256', encoder.encode(text))

/**
 * Whether a presented secret (or MAC) equals one expected, in constant time: both are hashed
 * first so the compared buffers have equal length whatever was presented.
 */
export const sameText = async (presented: string, expected: string): Promise<boolean> => {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)])
  return crypto.subtle.timingSafeEqual(a, b)
}

/** Whether the presented value matches any of the candidates; every candidate is compared. */
export const matchesAny = async (presented: string, candidates: readonly string[]): Promise<boolean> => {
  const results = await Promise.all(candidates.map((candidate) => sameText(presented, candidate)))
  return results.includes(true)
}
