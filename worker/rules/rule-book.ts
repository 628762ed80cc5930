import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, min, sql } from 'drizzle-orm'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent } from '../../schema/events'
import type { RuleTransition } from '../../schema/rules/rule-context'
import { loggedBody } from '../lib/logged-body'
import { livePage, liveRow } from '../lib/row-pages'
import { updateRow } from '../lib/update-row'
import type { SiteDatabase } from '../site/feature'
import { NOTIFY_RETRIES_MS } from './rule-actions'

export type RuleRow = typeof store.rules.$inferSelect
export type RuleTriggerRow = typeof store.ruleTriggers.$inferSelect

/** Outcomes that count as the rule having acted, for its throttles. */
const ACTED = ['started', 'resolved', 'notifying', 'notified'] as const

/** The site's rules and their triggers as the events left them; `apply` runs inside the commit. */
export class RuleBook {
  constructor(private readonly db: SiteDatabase) {}

  apply(event: LoggedEvent) {
    const body = loggedBody(event)
    switch (body.type) {
      case EventType.ruleCreated:
      case EventType.ruleUpdated: {
        const { rule_id, version, definition } = body.data
        this.db
          .insert(store.rules)
          .values({
            id: rule_id,
            version,
            definition,
            createdAt: event.time,
            createdBy: String(event.actor ?? 'unknown'),
            updatedAt: event.time,
          })
          .onConflictDoUpdate({ target: store.rules.id, set: { version, definition, updatedAt: event.time } })
          .run()
        return
      }
      case EventType.ruleDeleted:
        updateRow(this.db, store.rules, body.data.rule_id, { deletedAt: event.time })
        return
      case EventType.ruleTriggered: {
        const d = body.data
        this.db
          .insert(store.ruleTriggers)
          .values({
            seq: event.seq,
            ruleId: d.rule_id,
            ruleVersion: d.rule_version,
            alertId: d.alert_id,
            fingerprint: d.fingerprint,
            episode: d.episode,
            transition: d.transition,
            outcome: d.outcome,
            runId: d.run_id,
            error: d.error,
            at: event.time,
            ...(d.notification
              ? {
                  notifyUrl: d.notification.url,
                  notifyBody: d.notification.body,
                  notifyAttempts: 0,
                  notifyAt: Date.parse(event.time),
                }
              : {}),
          })
          .run()
        return
      }
      case EventType.ruleNotified: {
        const { trigger_seq, attempt, delivered, error } = body.data
        const wait = NOTIFY_RETRIES_MS[attempt - 1]
        const done = delivered || wait === undefined
        this.db
          .update(store.ruleTriggers)
          .set(
            done
              ? { outcome: delivered ? 'notified' : 'failed', error, notifyAttempts: attempt, notifyAt: null }
              : { error, notifyAttempts: attempt, notifyAt: Date.parse(event.time) + wait },
          )
          .where(eq(store.ruleTriggers.seq, trigger_seq))
          .run()
        return
      }
    }
  }

  rule(id: string): RuleRow | undefined {
    return liveRow(this.db, store.rules, id)
  }

  rules(limit: number, cursor: string | undefined): RuleRow[] {
    return livePage(this.db, store.rules, limit, cursor)
  }

  /** Rules that may act, oldest first. */
  enabled(): RuleRow[] {
    return this.db
      .select()
      .from(store.rules)
      .where(
        and(isNull(store.rules.deletedAt), sql`json_extract(${store.rules.definition}, '$.enabled') = 1`),
      )
      .orderBy(asc(store.rules.id))
      .all()
  }

  /** Whether the rule already answered this transition of this episode. */
  answered(ruleId: string, alertId: string, episode: number, transition: RuleTransition) {
    const t = store.ruleTriggers
    return (
      this.db
        .select({ seq: t.seq })
        .from(t)
        .where(
          and(
            eq(t.alertId, alertId),
            eq(t.episode, episode),
            eq(t.ruleId, ruleId),
            eq(t.transition, transition),
          ),
        )
        .get() !== undefined
    )
  }

  /** When the rule last acted, on any alert or on one series (ms), if it ever did. */
  lastActed(ruleId: string, fingerprint?: string): number | undefined {
    const t = store.ruleTriggers
    const row = this.db
      .select({ at: t.at })
      .from(t)
      .where(
        and(
          eq(t.ruleId, ruleId),
          inArray(t.outcome, [...ACTED]),
          fingerprint === undefined ? undefined : eq(t.fingerprint, fingerprint),
        ),
      )
      .orderBy(desc(t.seq))
      .limit(1)
      .get()
    return row ? Date.parse(row.at) : undefined
  }

  /** When the next notification is due (ms). */
  nextNotification(): number | undefined {
    return (
      this.db
        .select({ at: min(store.ruleTriggers.notifyAt) })
        .from(store.ruleTriggers)
        .get()?.at ?? undefined
    )
  }

  dueNotifications(now: number) {
    const t = store.ruleTriggers
    return this.db
      .select({
        seq: t.seq,
        ruleId: t.ruleId,
        ruleVersion: t.ruleVersion,
        alertId: t.alertId,
        url: sql<string>`${t.notifyUrl}`,
        body: sql<string>`${t.notifyBody}`,
        attempts: sql<number>`${t.notifyAttempts}`,
      })
      .from(t)
      .where(and(isNotNull(t.notifyAt), lte(t.notifyAt, now)))
      .orderBy(asc(t.notifyAt))
      .limit(100)
      .all()
  }

  /** Triggers of a rule, or of an alert, newest first. */
  triggers(
    of: { ruleId: string } | { alertId: string },
    limit: number,
    cursor: number | undefined,
  ): RuleTriggerRow[] {
    const t = store.ruleTriggers
    return this.db
      .select()
      .from(t)
      .where(
        and(
          'ruleId' in of ? eq(t.ruleId, of.ruleId) : eq(t.alertId, of.alertId),
          cursor === undefined ? undefined : lt(t.seq, cursor),
        ),
      )
      .orderBy(desc(t.seq))
      .limit(limit + 1)
      .all()
  }
}
