import type { RuleContext } from '../../schema/rules/rule-context'

/** `{{ alert.labels.instance }}`: a dotted path into the rule's context, nothing else. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g
const PATH = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/

export class RuleTemplateError extends Error {
  override name = 'RuleTemplateError'
}

const lookup = (context: RuleContext, path: string): string => {
  let value: unknown = context
  for (const key of path.split('.')) {
    // Own keys only: `constructor` or `__proto__` must not reach the prototype.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
      throw new RuleTemplateError(`unknown path "${path}" in the template`)
    }
    value = (value as Record<string, unknown>)[key]
  }
  if (typeof value === 'object' && value !== null) {
    throw new RuleTemplateError(`"${path}" in the template is not a single value`)
  }
  return String(value)
}

/**
 * Replaces each `{{ path }}` with the value it names in one pass: a value that itself holds
 * `{{ … }}` is inserted as is, never expanded. An unknown path throws, naming it.
 */
export const renderTemplate = (template: string, context: RuleContext): string =>
  template.replace(PLACEHOLDER, (placeholder, inner: string) => {
    const path = inner.trim()
    if (!PATH.test(path)) throw new RuleTemplateError(`"${placeholder}" is not a dotted path`)
    return lookup(context, path)
  })

/** A rule's parameters for the task it starts: strings are templates, other values are kept. */
export const renderParams = (
  params: Record<string, string | number | boolean>,
  context: RuleContext,
): Record<string, string | number | boolean> =>
  Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      name,
      typeof value === 'string' ? renderTemplate(value, context) : value,
    ]),
  )
