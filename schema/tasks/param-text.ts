import type { ParamSpec, ParamValue } from './task'

/** Typed run parameters, or the first one that cannot be read and what the task takes instead. */
export type TypedParams =
  | { ok: true; values: Record<string, ParamValue> }
  | { ok: false; problem: string; hint?: string }

/**
 * Parameters typed as text (`name=value` in a CLI or a chat line) read by the task's own
 * parameters: a number parameter gets a number, a boolean one `true`/`false`; a name the
 * task does not take is refused before the run is asked for.
 */
export const typedParams = (texts: Record<string, string>, specs: readonly ParamSpec[]): TypedParams => {
  const values: Record<string, ParamValue> = {}
  for (const [name, text] of Object.entries(texts)) {
    const spec = specs.find((candidate) => candidate.name === name)
    if (!spec) {
      const known = specs.map((candidate) => candidate.name).join(', ') || 'none'
      return { ok: false, problem: `the task takes no parameter "${name}"`, hint: `its parameters: ${known}` }
    }
    if (spec.type === 'number') {
      const number = Number(text)
      if (text.trim() === '' || !Number.isFinite(number))
        return { ok: false, problem: `parameter ${name} takes a number, not "${text}"` }
      values[name] = number
    } else if (spec.type === 'boolean') {
      if (text !== 'true' && text !== 'false')
        return { ok: false, problem: `parameter ${name} takes true or false, not "${text}"` }
      values[name] = text === 'true'
    } else {
      values[name] = text
    }
  }
  return { ok: true, values }
}
