import { Hono } from 'hono'
import * as v from 'valibot'
import {
  BacktestBody,
  BacktestResult,
  CreateRuleBody,
  Rule,
  RulePage,
  RuleTriggerPage,
  RuleVersionList,
  TriggersQuery,
  UpdateRuleBody,
} from '../../schema/api/rules'
import { PageQuery, Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { AlertParam } from './alerts'
import { SiteParam } from './sites'

const RuleParam = v.object({ siteId: Ulid, ruleId: Ulid })
const TAG = 'Alerts'
const WRITE_ERRORS = {
  409: 'The site is archived',
  415: 'Body is not JSON',
  422: 'The expression does not compile (`invalid_expression`; `details.position` has its line and column)',
}

/** `/v1/sites/{siteId}/rules`: what the site does when alerts change. */
export const ruleRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/rules',
    route({
      summary: 'Create a rule',
      tag: TAG,
      description:
        'On the `on` transitions of an alert (`fired`, `refired`: a new episode, `resolved`), when the CEL ' +
        '`expression` over `alert` and `transition` holds, the rule acts once per episode and transition: ' +
        '`run_task` requests a run with parameters templated from the alert (`{{ alert.labels.instance }}`) on ' +
        '`target` and/or the agent whose hostname `target_label` names; `resolve` resolves the alert. Silenced ' +
        'alerts are left alone until their silence ends. `throttle` limits how often it acts.',
      ok: { status: 201, schema: Rule, description: 'The rule, version 1' },
      errors: WRITE_ERRORS,
    }),
    valid('param', SiteParam),
    audited('rule.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateRuleBody),
    async (c) => send(c, await callerSite(c).rules.create(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/rules',
    route({
      summary: "List a site's rules",
      tag: TAG,
      ok: { status: 200, schema: RulePage, description: 'Rules, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', PageQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerSite(c).rules.list(limit, cursor))
    },
  )
  .post(
    '/:siteId/rules/backtest',
    route({
      summary: 'Backtest a rule',
      tag: TAG,
      description:
        'Plays the deliveries recorded from `since` to `until` (up to 20,000) through the alert decider, alert ' +
        'series starting empty at `since` and silences as they are defined now, and says what the rule — as it is ' +
        '(`rule_id`), with `changes`, or a new `rule` — would have done on each transition: the runs it would start ' +
        '(parameters, target, how many agents match now), what its throttles hold back, and what would fail. ' +
        'Nothing is started or stored.',
      ok: { status: 200, schema: BacktestResult, description: 'What the rule would have done' },
      errors: { 415: 'Body is not JSON', 422: 'The expression does not compile (`invalid_expression`)' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    requireJson,
    valid('json', BacktestBody),
    async (c) => send(c, await callerSite(c).rules.backtest(c.req.valid('json'))),
  )
  .get(
    '/:siteId/rules/:ruleId',
    route({
      summary: 'Get a rule',
      tag: TAG,
      ok: { status: 200, schema: Rule, description: 'The rule, latest version' },
    }),
    valid('param', RuleParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).rules.get(c.req.valid('param').ruleId)),
  )
  .patch(
    '/:siteId/rules/:ruleId',
    route({
      summary: 'Change a rule',
      tag: TAG,
      description: 'Any field; each change is a new version, and runs record the version that started them.',
      ok: { status: 200, schema: Rule, description: 'The rule, new version' },
      errors: WRITE_ERRORS,
    }),
    valid('param', RuleParam),
    audited('rule.update', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', UpdateRuleBody),
    async (c) =>
      send(c, await callerSite(c).rules.update(c.req.valid('param').ruleId, c.req.valid('json'), writeOf(c))),
  )
  .delete(
    '/:siteId/rules/:ruleId',
    route({
      summary: 'Delete a rule',
      tag: TAG,
      description: 'Runs it started stay, and so does its record of triggers.',
      ok: { status: 200, schema: Rule, description: 'The rule as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', RuleParam),
    audited('rule.delete', 'site'),
    authorize('operator', 'site'),
    async (c) => send(c, await callerSite(c).rules.delete(c.req.valid('param').ruleId, writeOf(c))),
  )
  .get(
    '/:siteId/rules/:ruleId/versions',
    route({
      summary: "A rule's versions",
      tag: TAG,
      description:
        'Each version as it was saved, oldest first; runs and triggers name the version that acted.',
      ok: { status: 200, schema: RuleVersionList, description: 'Versions' },
    }),
    valid('param', RuleParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).rules.versions(c.req.valid('param').ruleId)),
  )
  .get(
    '/:siteId/rules/:ruleId/triggers',
    route({
      summary: "A rule's triggers",
      tag: TAG,
      description:
        'Each match on an alert and what came of it: the run started (with its status now), or why none was.',
      ok: { status: 200, schema: RuleTriggerPage, description: 'Triggers, newest first' },
    }),
    valid('param', RuleParam),
    authorize('viewer', 'site'),
    valid('query', TriggersQuery),
    async (c) =>
      send(c, await callerSite(c).rules.triggers(c.req.valid('param').ruleId, c.req.valid('query'))),
  )
  .get(
    '/:siteId/alerts/:alertId/triggers',
    route({
      summary: 'Runs an alert caused',
      tag: TAG,
      description: 'The rules that matched the alert, and the runs they started with their status now.',
      ok: { status: 200, schema: RuleTriggerPage, description: 'Triggers, newest first' },
    }),
    valid('param', AlertParam),
    authorize('viewer', 'site'),
    valid('query', TriggersQuery),
    async (c) =>
      send(c, await callerSite(c).rules.alertTriggers(c.req.valid('param').alertId, c.req.valid('query'))),
  )
