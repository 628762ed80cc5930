/** What a secret value becomes in output and messages. */
export const MASK = '***'

/**
 * Shortest text masked. A shorter secret can't be told apart from ordinary output (masking
 * `ab` would garble every word holding it), so the store refuses such values, and the
 * short lines of a multi-line secret are left as they are.
 */
export const MIN_MASKED_LENGTH = 4

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Replaces the values of the secrets a step uses with `***`. Output arrives line by line, so
 * each line of a multi-line secret (a PEM key, say) is masked on its own as well as the whole.
 */
export class Masker {
  /** Length of the longest value masked: text this long may still be the start of one. */
  readonly longest: number
  private readonly pattern: RegExp | undefined

  constructor(values: Iterable<string>) {
    const needles = new Set<string>()
    for (const value of values) {
      for (const part of [value, ...value.split(/\r?\n/)]) {
        if (part.length >= MIN_MASKED_LENGTH) needles.add(part)
      }
    }
    // Longest first: the regular expression takes the first alternative that matches.
    const sorted = [...needles].sort((a, b) => b.length - a.length)
    this.longest = sorted[0]?.length ?? 0
    this.pattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text
  }

  /**
   * Where to cut `text` at about `at` so that no secret spans the cut: before a secret that
   * would (after it when it starts the text), else `at`. Masking the two sides apart then
   * masks what masking the whole would.
   */
  cut(text: string, at: number): number {
    if (!this.pattern) return at
    for (const match of text.matchAll(this.pattern)) {
      if (match.index >= at) break
      const end = match.index + match[0].length
      if (end > at) return match.index > 0 ? match.index : end
    }
    return at
  }
}
