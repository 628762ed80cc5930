import { RpcTarget } from 'cloudflare:workers'
import type { BacktestBody, CreateRuleBody, TriggersQuery, UpdateRuleBody } from '../../schema/api/rules'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { SiteRules } from './site-rules'

/** A site's alert rules, as one caller reaches them. */
export class RulesApi extends RpcTarget {
  constructor(
    private readonly rules: SiteRules,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  create(input: CreateRuleBody, write: WriteContext) {
    return this.scope.answer(() => this.rules.create(input, actorOf(write), write.idempotency))
  }

  update(ruleId: string, input: UpdateRuleBody, write: WriteContext) {
    return this.scope.answer(() => this.rules.update(ruleId, input, actorOf(write), write.idempotency))
  }

  delete(ruleId: string, write: WriteContext) {
    return this.scope.answer(() => this.rules.remove(ruleId, actorOf(write), write.idempotency))
  }

  get(ruleId: string) {
    return this.scope.answer(() => this.rules.get(ruleId))
  }

  list(limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.rules.list(limit, cursor))
  }

  versions(ruleId: string) {
    return this.scope.answer(() => this.rules.versions(ruleId))
  }

  backtest(input: BacktestBody) {
    return this.scope.answer(() => this.rules.backtest(input))
  }

  triggers(ruleId: string, query: TriggersQuery) {
    return this.scope.answer(() => this.rules.triggers({ ruleId }, query))
  }

  alertTriggers(alertId: string, query: TriggersQuery) {
    return this.scope.answer(() => this.rules.triggers({ alertId }, query))
  }
}
