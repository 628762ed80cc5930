import { EventType } from '../../schema/events'
import { errorMessage } from '../lib/log'
import type { SiteKernel } from '../site/feature'
import type { NotifyUrls } from './notify-urls'
import type { RuleBook } from './rule-book'

/** How long one attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 10_000

/**
 * The notifications rules asked for, delivered once their match is stored: on the alarm, each
 * due one is posted and the attempt recorded (`rule.notified`); a failed one is tried again
 * later (the book folds when), until it gives up.
 */
export class RuleNotifications {
  /** The next attempt (ms), as last read; null once a rule event may have moved it. */
  private next: number | undefined | null = null

  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: RuleBook,
    private readonly urls: NotifyUrls,
  ) {}

  changed() {
    this.next = null
  }

  due() {
    if (this.next === null) this.next = this.book.nextNotification()
    return this.next
  }

  async deliver() {
    this.next = null
    for (const pending of this.book.dueNotifications(this.kernel.now())) {
      let status: number | null = null
      let error: string | null = null
      const url = this.urls.url(pending.ruleId, pending.ruleVersion, pending.url)
      try {
        if (url === null) throw new Error('the rule version’s notify URL is not kept')
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Sitewire' },
          body: pending.body,
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        })
        status = response.status
        await response.body?.cancel()
        if (!response.ok) error = `the endpoint answered ${response.status}`
      } catch (failure) {
        error = errorMessage(failure)
      }
      this.kernel.record(
        [
          {
            type: EventType.ruleNotified,
            data: {
              trigger_seq: pending.seq,
              rule_id: pending.ruleId,
              attempt: pending.attempts + 1,
              status,
              error,
              delivered: error === null,
            },
          },
        ],
        pending.alertId,
        `rule/${pending.ruleId}`,
      )
    }
  }
}
