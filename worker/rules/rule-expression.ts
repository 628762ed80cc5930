import { Environment } from '@marcbachmann/cel-js'
import type { RuleAlert, RuleContext } from '../../schema/rules/rule-context'

/** Where in a rule's source something went wrong: `offset` from 0, `line` and `column` from 1. */
export interface SourcePosition {
  offset: number
  line: number
  column: number
}

export type RuleExpressionCheck = { ok: true } | { ok: false; message: string; position: SourcePosition }

/** A rule's expression failed to compile or to give a boolean for one alert. */
export class RuleExpressionError extends Error {
  override name = 'RuleExpressionError'
}

export type RuleMatcher = (context: RuleContext) => boolean

/**
 * `alert` as CEL sees it. A declared type (not a `map`) lets the checker refuse a misspelt
 * field at save time; CEL integers are BigInts, hence `episode`.
 */
class CelAlert {
  constructor(alert: RuleAlert) {
    Object.assign(this, alert, { episode: BigInt(alert.episode) })
  }
}

// `satisfies` makes a field added to the schema fail to compile until CEL knows its type.
const alertFields = {
  fingerprint: 'string',
  name: 'string',
  summary: 'string',
  status: 'string',
  severity: 'string',
  labels: 'map<string, string>',
  annotations: 'map<string, string>',
  source: 'string',
  integration_id: 'string',
  starts_at: 'string',
  silenced: 'bool',
  episode: 'int',
} satisfies Record<keyof RuleAlert, string>

const environment = new Environment()
  .registerType('Alert', { ctor: CelAlert, fields: alertFields })
  .registerVariable('alert', 'Alert')
  .registerVariable('transition', 'string')

/** The library's errors carry a source range; its `summary` is the message without the excerpt. */
interface CelError {
  summary?: string
  message: string
  range?: { start: number }
}

const positionAt = (source: string, offset: number): SourcePosition => {
  const before = source.slice(0, offset)
  const lineStart = before.lastIndexOf('\n') + 1
  return { offset, line: before.split('\n').length, column: offset - lineStart + 1 }
}

const located = (source: string, error: CelError) => ({
  message: error.summary ?? error.message,
  position: positionAt(source, error.range?.start ?? 0),
})

const withPosition = ({ message, position }: { message: string; position: SourcePosition }) =>
  `${message} (line ${position.line}, column ${position.column})`

/**
 * Parses and type-checks a rule's expression against `RuleContext`, as when a rule is saved:
 * a syntax error, an unknown variable or field, a type mismatch, or a result other than a
 * boolean is refused with where it is.
 */
export const checkRuleExpression = (source: string): RuleExpressionCheck => {
  const checked = environment.check(source)
  if (!checked.valid) return { ok: false, ...located(source, checked.error as CelError) }
  if (checked.type !== 'bool') {
    return {
      ok: false,
      message: `a rule's expression must give a bool, this one gives ${checked.type}`,
      position: positionAt(source, 0),
    }
  }
  return { ok: true }
}

const explain = (source: string, error: unknown) => {
  if (!(error instanceof Error)) return String(error)
  const cel = error as CelError
  return cel.range ? withPosition(located(source, cel)) : error.message
}

// Every rule of a site sees the same alert (contexts are not changed once built): convert it
// once, not once per rule.
const converted = new WeakMap<RuleAlert, CelAlert>()
const celAlert = (alert: RuleAlert) => {
  let value = converted.get(alert)
  if (!value) {
    value = new CelAlert(alert)
    converted.set(alert, value)
  }
  return value
}

/**
 * Compiles a checked expression once into a matcher for many alerts. The matcher throws
 * `RuleExpressionError` when evaluation fails (a label the alert lacks, a bad regular
 * expression) or gives no boolean: callers record that instead of counting a match.
 */
export const compileRuleExpression = (source: string): RuleMatcher => {
  const checked = checkRuleExpression(source)
  if (!checked.ok) throw new RuleExpressionError(withPosition(checked))
  const program = environment.parse(source)
  return (context) => {
    let result: unknown
    try {
      result = program({ alert: celAlert(context.alert), transition: context.transition })
    } catch (error) {
      throw new RuleExpressionError(`the expression failed: ${explain(source, error)}`, { cause: error })
    }
    if (typeof result !== 'boolean') {
      throw new RuleExpressionError(`the expression gave ${typeof result}, not a boolean`)
    }
    return result
  }
}
