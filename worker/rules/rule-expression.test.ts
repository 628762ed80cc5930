import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { type RuleAlert, RuleContext } from '../../schema/rules/rule-context'
import { checkRuleExpression, compileRuleExpression, RuleExpressionError } from './rule-expression'

const context = (alert: Partial<RuleAlert> = {}, transition: RuleContext['transition'] = 'fired') =>
  v.parse(RuleContext, {
    alert: {
      fingerprint: 'd0c296e49fc4ad26',
      name: 'HighLatency',
      summary: 'p99 latency high',
      status: 'firing',
      severity: 'critical',
      labels: { alertname: 'HighLatency', service: 'api', instance: 'web-1' },
      annotations: { summary: 'p99 latency high' },
      source: 'alertmanager',
      integration_id: '01J00000000000000000INTEG0',
      starts_at: '2026-12-06T12:00:00.000Z',
      silenced: false,
      episode: 1,
      ...alert,
    },
    transition,
  })

const matches = (source: string, ctx: RuleContext) => compileRuleExpression(source)(ctx)

describe('rule expressions match alerts', () => {
  it('on severity and a label', () => {
    const rule = 'alert.severity == "critical" && alert.labels.service == "api"'
    expect(matches(rule, context())).toBe(true)
    expect(matches(rule, context({ severity: 'warning' }))).toBe(false)
    expect(matches(rule, context({ labels: { service: 'db' } }))).toBe(false)
  })

  it('on a label that may be absent, guarded by `in`', () => {
    const rule = '"instance" in alert.labels && alert.labels.instance.startsWith("web-")'
    expect(matches(rule, context())).toBe(true)
    expect(matches(rule, context({ labels: { instance: 'db-1' } }))).toBe(false)
    expect(matches(rule, context({ labels: {} }))).toBe(false)
  })

  it('on the transition and a regular expression', () => {
    const rule = 'transition == "fired" && alert.name.matches("^Disk")'
    expect(matches(rule, context({ name: 'DiskFull' }))).toBe(true)
    expect(matches(rule, context({ name: 'DiskFull' }, 'refired'))).toBe(false)
    expect(matches(rule, context({ name: 'HighDisk' }))).toBe(false)
  })

  it('on the episode as an integer and on booleans', () => {
    const rule = 'alert.episode > 1 && !alert.silenced && alert.source == "alertmanager"'
    expect(matches(rule, context({ episode: 2 }, 'refired'))).toBe(true)
    expect(matches(rule, context({ episode: 1 }))).toBe(false)
    expect(matches(rule, context({ episode: 3, silenced: true }))).toBe(false)
  })

  it('gives each rule the same answer for a context it has seen before', () => {
    const ctx = context()
    const api = compileRuleExpression('alert.labels.service == "api"')
    const db = compileRuleExpression('alert.labels.service == "db"')
    expect([api(ctx), db(ctx), api(ctx)]).toEqual([true, false, true])
  })
})

describe('checking an expression before it is saved', () => {
  it('accepts the documented examples', () => {
    for (const source of [
      'alert.severity == "critical" && alert.labels.service == "api"',
      '"instance" in alert.labels && alert.labels.instance.startsWith("web-")',
      'transition == "fired" && alert.name.matches("^Disk")',
    ]) {
      expect(checkRuleExpression(source)).toEqual({ ok: true })
    }
  })

  it('reports a syntax error with its line and column', () => {
    expect(checkRuleExpression('alert.severity == "critical" &&\n  (alert.labels.service == "api"')).toEqual({
      ok: false,
      message: 'Expected RPAREN, got EOF',
      // Just past the end, where the parenthesis is missing.
      position: { offset: 64, line: 2, column: 33 },
    })
    expect(checkRuleExpression('alert.name == "a" &&\n\n   && transition == "fired"')).toMatchObject({
      ok: false,
      position: { offset: 25, line: 3, column: 4 },
    })
  })

  it('refuses an unknown variable where it is written', () => {
    expect(checkRuleExpression('transition == "fired" &&\n  alerts.name == "x"')).toEqual({
      ok: false,
      message: 'Unknown variable: alerts',
      position: { offset: 27, line: 2, column: 3 },
    })
  })

  it('refuses a misspelt field of the alert', () => {
    expect(checkRuleExpression('alert.sevrity == "critical"')).toEqual({
      ok: false,
      message: 'No such key: sevrity',
      position: { offset: 6, line: 1, column: 7 },
    })
  })

  it('refuses comparing a label, a string, with a number', () => {
    expect(checkRuleExpression('alert.labels.port == 80')).toMatchObject({
      ok: false,
      message: 'no such overload: string == int',
    })
  })

  it('refuses an expression that does not give a boolean', () => {
    for (const [source, type] of [
      ['alert.name', 'string'],
      ['alert.episode + 1', 'int'],
      ['alert.labels', 'map<string, string>'],
    ]) {
      expect(checkRuleExpression(source as string)).toEqual({
        ok: false,
        message: `a rule's expression must give a bool, this one gives ${type}`,
        position: { offset: 0, line: 1, column: 1 },
      })
    }
  })

  it('refuses an empty expression', () => {
    expect(checkRuleExpression('')).toMatchObject({ ok: false, position: { line: 1, column: 1 } })
  })
})

describe('errors while compiling and matching', () => {
  it('will not compile an expression the check refuses', () => {
    expect(() => compileRuleExpression('alert.nam == "x"')).toThrow(
      new RuleExpressionError('No such key: nam (line 1, column 7)'),
    )
  })

  it('throws, naming the key and where, when a label the alert lacks is read', () => {
    const rule = compileRuleExpression('alert.severity == "critical" && alert.labels.team == "db"')
    expect(() => rule(context())).toThrow(
      new RuleExpressionError('the expression failed: No such key: team (line 1, column 46)'),
    )
  })

  it('throws on a regular expression that does not compile', () => {
    const rule = compileRuleExpression('alert.name.matches("(")')
    expect(() => rule(context())).toThrow(/the expression failed: Invalid regular expression/)
  })

  it('throws when a dynamic value turns out not to be a boolean', () => {
    expect(checkRuleExpression('dyn(alert.name) == "x" || dyn(alert.name)')).toEqual({ ok: true })
    const rule = compileRuleExpression('dyn(alert.name) == "x" || dyn(alert.name)')
    expect(rule(context({ name: 'x' }))).toBe(true)
    expect(() => rule(context())).toThrow(RuleExpressionError)
  })
})
