import type { Principal } from '../access/principal'

/**
 * How long a verified API key is trusted without asking its tenant again: the bound on how
 * late a revocation made through another isolate takes effect.
 */
export const PRINCIPAL_TTL_MS = 5_000
/** Keys remembered at once; the oldest goes first. */
const MAX_ENTRIES = 1_000

interface Entry {
  principal: Principal
  until: number
}

/**
 * Principals of recently verified API keys, by the key's SHA-256, kept in this isolate so a
 * hot key costs no tenant round trip per request. An entry never outlives the key's expiry;
 * changes of access made through this isolate drop the entries they concern at once.
 */
export class PrincipalCache {
  readonly #entries = new Map<string, Entry>()

  constructor(
    private readonly ttlMs = PRINCIPAL_TTL_MS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(hash: string): Principal | undefined {
    const entry = this.#entries.get(hash)
    if (!entry) return undefined
    if (entry.until > this.now()) return entry.principal
    this.#entries.delete(hash)
    return undefined
  }

  /** Remembers a principal until the TTL passes or the key expires, whichever is first. */
  set(hash: string, principal: Principal, expiresAt: number | null) {
    const until = Math.min(this.now() + this.ttlMs, expiresAt ?? Number.POSITIVE_INFINITY)
    this.#entries.delete(hash)
    this.#entries.set(hash, { principal, until })
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string)
  }

  /** Forgets one key, e.g. once it is revoked. */
  forgetKey(keyId: string) {
    for (const [hash, entry] of this.#entries)
      if (entry.principal.actor.id === keyId) this.#entries.delete(hash)
  }

  /** Forgets every key, e.g. when a user whose keys may be cached is disabled. */
  clear() {
    this.#entries.clear()
  }
}

/** This isolate's cache: every request it serves shares it. */
export const principalCache = new PrincipalCache()
