import { PARAM_REFERENCE, type Step } from '../../schema/tasks/steps'
import type { ParamSpec, ParamValue } from '../../schema/tasks/task'
import { apiError } from '../http/errors'

/**
 * The values a run uses: the ones given, checked against the task's parameters, and the
 * defaults for the rest. Unknown names, wrong types, values outside `choices` and missing
 * required ones are refused together.
 */
export const resolveParams = (
  specs: readonly ParamSpec[],
  given: Record<string, ParamValue>,
): Record<string, ParamValue> => {
  const problems: { param: string; message: string }[] = []
  const known = new Set(specs.map((spec) => spec.name))
  for (const name of Object.keys(given)) {
    if (!known.has(name)) problems.push({ param: name, message: 'the task has no such parameter' })
  }
  const values: Record<string, ParamValue> = {}
  for (const spec of specs) {
    const value = given[spec.name] ?? spec.default
    if (value === undefined) {
      if (spec.required) problems.push({ param: spec.name, message: 'required' })
      continue
    }
    if (typeof value !== spec.type) {
      problems.push({ param: spec.name, message: `must be a ${spec.type}` })
      continue
    }
    if (spec.choices && !spec.choices.includes(value as string | number)) {
      problems.push({ param: spec.name, message: `must be one of ${spec.choices.join(', ')}` })
      continue
    }
    values[spec.name] = value
  }
  if (problems.length > 0)
    throw apiError(422, 'invalid_params', 'the parameters do not fit the task', problems)
  return values
}

/** Fills `{{ params.NAME }}` in every text of a step; a parameter without a value becomes empty. */
export const fillParams = <S extends Step>(step: S, values: Record<string, ParamValue>): S => {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value.replace(PARAM_REFERENCE, (_match, name: string) => String(values[name] ?? ''))
    if (Array.isArray(value)) return value.map(fill)
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]))
    return value
  }
  return fill(step) as S
}
