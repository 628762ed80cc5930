import type { RuleDefinition } from '../../schema/rules/rule'

const KEY = 'rule-notify-url'

/** What the log and every answer show of a notify URL: its origin only. */
export const maskedUrl = (url: string) => `${new URL(url).origin}/…`

const isMasked = (url: string) => url.endsWith('/…')

/**
 * A notify action's URL is a credential (a Slack incoming webhook's path is its secret), so the
 * log, the rule's answers and its matches keep only its origin; the URL itself is kept beside
 * the log per rule version, written in the transaction of the event that names that version.
 */
export class NotifyUrls {
  constructor(private readonly kv: SyncKvStorage) {}

  /**
   * The definition as it is logged, and the URL to keep for it: a masked URL given back (as an
   * edit of a rule shows it) keeps the previous version's.
   */
  conceal(
    definition: RuleDefinition,
    previous?: { ruleId: string; version: number },
  ): { definition: RuleDefinition; url: string | null } {
    const { action } = definition
    if (action.kind !== 'notify') return { definition, url: null }
    const kept =
      previous && isMasked(action.url) ? this.url(previous.ruleId, previous.version, action.url) : null
    const url = kept ?? action.url
    return { definition: { ...definition, action: { ...action, url: maskedUrl(url) } }, url }
  }

  keep(ruleId: string, version: number, url: string | null) {
    if (url !== null) this.kv.put(`${KEY}:${ruleId}:${version}`, url)
  }

  /** The URL to post to; `logged` itself for a rule written before URLs were kept apart. */
  url(ruleId: string, version: number, logged: string): string | null {
    const kept = this.kv.get<string>(`${KEY}:${ruleId}:${version}`)
    if (kept !== undefined) return kept
    return isMasked(logged) ? null : logged
  }
}
