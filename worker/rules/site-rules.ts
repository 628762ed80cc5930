import { monotonicFactory } from 'ulid'
import type {
  BacktestBody,
  BacktestResult,
  CreateRuleBody,
  Rule,
  RuleTrigger,
  RuleVersion,
  TriggersQuery,
  UpdateRuleBody,
} from '../../schema/api/rules'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { RuleDefinition } from '../../schema/rules/rule'
import type { AlertRow } from '../alerts/alert-book'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply, toPage } from '../lib/paging'
import type { RunCommands } from '../runs/run-commands'
import { matchTargets } from '../runs/targets'
import type { SiteFeature, SiteKernel } from '../site/feature'
import { NotifyUrls } from './notify-urls'
import { type BacktestPorts, backtestRule } from './rule-backtest'
import { RuleBook, type RuleRow, type RuleTriggerRow } from './rule-book'
import { checkRuleExpression } from './rule-expression'
import { RuleMatching } from './rule-matching'
import { RuleNotifications } from './rule-notifications'
import { heard } from './rule-transitions'

const nextId = monotonicFactory()

/** Events after which the enabled rules must be read again. */
const RULE_CHANGES = new Set<string>([EventType.ruleCreated, EventType.ruleUpdated, EventType.ruleDeleted])

/** What the rules need beside the kernel: the alerts they hear about, and the runs they start. */
export interface SiteRulesPorts {
  alert: (alertId: string) => AlertRow | undefined
  /** A recorded delivery's alerts read again, and the silences holding labels at a time: for backtests. */
  backtest: Pick<BacktestPorts, 'reread' | 'silencing'>
  resolve: (alert: AlertRow, actor: string) => void
  runs: Pick<RunCommands, 'requestRun'>
  runStatus: (runId: string) => string | undefined
}

/**
 * A site's alert rules: versioned like tasks; on an alert's transition each enabled rule whose
 * expression holds acts once per episode and transition, within its throttles, and records
 * what came of it (`rule.triggered`, about the alert): the lineage from delivery to run.
 */
export class SiteRules implements SiteFeature {
  readonly name = 'rules'
  private readonly book: RuleBook
  private readonly notifications: RuleNotifications
  private readonly notifyUrls: NotifyUrls
  private readonly matching: RuleMatching

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteRulesPorts,
  ) {
    this.book = new RuleBook(kernel.db)
    this.notifyUrls = new NotifyUrls(kernel.ctx.storage.kv)
    this.notifications = new RuleNotifications(kernel, this.book, this.notifyUrls)
    this.matching = new RuleMatching(kernel, this.book, ports)
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
    if (event.type === EventType.ruleTriggered || event.type === EventType.ruleNotified)
      this.notifications.changed()
    if (RULE_CHANGES.has(event.type)) this.matching.changed()
  }

  due() {
    return this.notifications.due()
  }

  work() {
    return this.notifications.deliver()
  }

  react(events: readonly LoggedEvent[]) {
    for (const event of events) {
      const hearing = heard(event, this.ports.alert)
      if (hearing) this.matching.answer(hearing)
    }
    return undefined
  }

  // Commands

  create(input: CreateRuleBody, actor: string, idempotency?: IdempotencyClaim): Reply<Rule> {
    this.kernel.scope.active()
    this.checkDefinition({ ...input })
    const { definition, url } = this.notifyUrls.conceal({ ...input })
    const ruleId = nextId()
    return this.commit(idempotency, ruleId, actor, 201, url, {
      type: EventType.ruleCreated,
      data: { rule_id: ruleId, version: 1, definition },
    })
  }

  update(ruleId: string, input: UpdateRuleBody, actor: string, idempotency?: IdempotencyClaim): Reply<Rule> {
    this.kernel.scope.active()
    const row = this.require(ruleId)
    const changed: RuleDefinition = { ...row.definition, ...input }
    this.checkDefinition(changed)
    const { definition, url } = this.notifyUrls.conceal(changed, { ruleId, version: row.version })
    return this.commit(idempotency, ruleId, actor, 200, url, {
      type: EventType.ruleUpdated,
      data: { rule_id: ruleId, version: row.version + 1, definition },
    })
  }

  remove(ruleId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Rule> {
    this.kernel.scope.active()
    const before = this.view(this.require(ruleId))
    return this.kernel.write(
      idempotency,
      { subject: ruleId, actor },
      () => [{ type: EventType.ruleDeleted, data: { rule_id: ruleId } }],
      () => ({ status: 200, body: before }),
    )
  }

  get(ruleId: string): Reply<Rule> {
    this.kernel.scope.present()
    return { status: 200, body: this.view(this.require(ruleId)) }
  }

  list(limit: number, cursor: string | undefined): Reply<Page<Rule>> {
    this.kernel.scope.present()
    return pageReply(this.book.rules(limit, cursor), limit, (row) => this.view(row))
  }

  /** Every version of a rule, oldest first, read from its events: a deleted rule's too. */
  versions(ruleId: string): Reply<{ items: RuleVersion[] }> {
    this.kernel.scope.present()
    const items = this.kernel.log
      .readHistory(ruleId, 0, 10_000)
      .filter((event) => event.type === EventType.ruleCreated || event.type === EventType.ruleUpdated)
      .map((event) => {
        const data = event.data as { version: number; definition: RuleDefinition }
        return {
          version: data.version,
          saved_at: event.time,
          saved_by: String(event.actor ?? 'unknown'),
          definition: data.definition,
        }
      })
    if (items.length === 0) throw apiError(404, 'not_found', 'rule not found')
    return { status: 200, body: { items } }
  }

  /** A rule's matches, or an alert's, newest first, with the status of the runs they started. */
  triggers(of: { ruleId: string } | { alertId: string }, query: TriggersQuery): Reply<Page<RuleTrigger>> {
    this.kernel.scope.present()
    if ('ruleId' in of) this.require(of.ruleId)
    else if (!this.ports.alert(of.alertId)) throw apiError(404, 'not_found', 'alert not found')
    const cursor = query.cursor === undefined ? undefined : Number(query.cursor)
    const rows = this.book.triggers(of, query.limit, cursor)
    const body = toPage(
      rows,
      query.limit,
      (page) => page.map((row) => this.triggerView(row)),
      (row) => String(row.seq),
    )
    return { status: 200, body }
  }

  /** What a rule, or a change to one, would have done on the deliveries of a window; starts nothing. */
  backtest(input: BacktestBody): Reply<BacktestResult> {
    this.kernel.scope.present()
    const definition: RuleDefinition = input.rule ?? {
      ...this.require(input.rule_id ?? '').definition,
      ...input.changes,
    }
    this.checkDefinition(definition)
    const result = backtestRule(
      definition,
      { since: Date.parse(input.since), until: Date.parse(input.until) },
      {
        ...this.ports.backtest,
        deliveries: (after, limit) => this.kernel.log.read(after, limit, EventType.alertDeliveryReceived),
        agents: (target) => {
          const count = matchTargets(this.kernel.db, target).length
          if (count === 0) throw apiError(422, 'no_targets', 'no approved agent matches the target')
          return count
        },
      },
    )
    return { status: 200, body: result }
  }

  private checkDefinition(definition: RuleDefinition) {
    const checked = checkRuleExpression(definition.expression)
    if (!checked.ok)
      throw apiError(422, 'invalid_expression', `the expression does not compile: ${checked.message}`, {
        message: checked.message,
        position: checked.position,
      })
  }

  private commit(
    idempotency: IdempotencyClaim | undefined,
    ruleId: string,
    actor: string,
    status: 200 | 201,
    notifyUrl: string | null,
    body: SitewireEventBody,
  ): Reply<Rule> {
    return this.kernel.write(
      idempotency,
      { subject: ruleId, actor },
      () => [body],
      () => {
        const row = this.require(ruleId)
        this.notifyUrls.keep(ruleId, row.version, notifyUrl)
        return { status, body: this.view(row) }
      },
    )
  }

  private require(ruleId: string): RuleRow {
    const row = this.book.rule(ruleId)
    if (!row) throw apiError(404, 'not_found', 'rule not found')
    return row
  }

  private view(row: RuleRow): Rule {
    return {
      id: row.id,
      site_id: this.kernel.scope.present().id,
      version: row.version,
      ...row.definition,
      created_at: row.createdAt,
      created_by: row.createdBy,
      updated_at: row.updatedAt,
    }
  }

  private triggerView(row: RuleTriggerRow): RuleTrigger {
    return {
      seq: row.seq,
      rule_id: row.ruleId,
      rule_version: row.ruleVersion,
      alert_id: row.alertId,
      fingerprint: row.fingerprint,
      episode: row.episode,
      transition: row.transition,
      outcome: row.outcome,
      run_id: row.runId,
      run_status: row.runId === null ? null : (this.ports.runStatus(row.runId) ?? null),
      error: row.error,
      at: row.at,
    }
  }
}
