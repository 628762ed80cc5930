import * as v from 'valibot'
import { Ulid } from '../../schema/common'
import { Target } from '../../schema/tasks/run-request'

/** What a `/sitewire …` line asks for. */
export type SlashCommand =
  | { kind: 'help' }
  | { kind: 'link'; code: string }
  | { kind: 'alerts'; site: string | null }
  | { kind: 'ack'; alertId: string; note: string }
  | { kind: 'run'; task: string; target: Target; site: string | null; params: Record<string, string> }
  | { kind: 'usage'; problem: string }

/**
 * Slack may send links and mentions in its own markup (`<http://web-1|web-1>`), and smart
 * quotes where people typed plain ones: read what the person sees.
 */
const plain = (text: string) =>
  text
    .replace(/<([^|>]*)\|([^>]*)>/g, '$2')
    .replace(/<([^>]*)>/g, '$1')
    .replace(/[“”]/g, '"')
    .trim()

const unquote = (text: string) => text.replace(/^"(.*)"$/, '$1').trim()

/** `web-1` is a hostname; `role=web,env=prod` are labels every agent must have. */
export const parseTarget = (text: string): Target | null => {
  const spec = text.includes('=')
    ? {
        labels: Object.fromEntries(
          text.split(',').map((pair) => [pair.split('=')[0], pair.split('=').slice(1).join('=')]),
        ),
      }
    : { hostname: text }
  const parsed = v.safeParse(Target, spec)
  return parsed.success ? parsed.output : null
}

/** `name=value name="a value"`, as typed: null when anything in it is not such a pair. */
export const parseParams = (text: string): Record<string, string> | null => {
  const params: Record<string, string> = {}
  const pairs = /\s*([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|[^\s"]*)/y
  const end = text.trimEnd().length
  while (pairs.lastIndex < end) {
    const pair = pairs.exec(text)
    if (!pair?.[1] || pair[2] === undefined) return null
    params[pair[1]] = pair[2].replace(/^"(.*)"$/, '$1')
  }
  return params
}

/** Reads the text after `/sitewire`; anything it cannot read is a `usage` naming the problem. */
export const parseSlashCommand = (text: string): SlashCommand => {
  const line = plain(text)
  const [word = '', ...words] = line.split(/\s+/)
  const rest = line.slice(word.length).trim()
  switch (word.toLowerCase()) {
    case '':
    case 'help':
      return { kind: 'help' }
    case 'link':
      return rest
        ? { kind: 'link', code: rest }
        : { kind: 'usage', problem: 'give the code: `/sitewire link <code>`' }
    case 'alerts':
      return { kind: 'alerts', site: rest ? unquote(rest) : null }
    case 'ack': {
      const alertId = (words[0] ?? '').toUpperCase()
      if (!v.is(Ulid, alertId))
        return { kind: 'usage', problem: 'give the alert’s id: `/sitewire ack <alert-id> [note]`' }
      return { kind: 'ack', alertId, note: rest.slice(alertId.length).trim() }
    }
    case 'run': {
      // The target has no spaces, so the last ` on ` before it splits it from a task name that may hold one.
      const match = /^(.+)\s+on\s+(\S+)(?:\s+in\s+("[^"]+"|\S+))?(?:\s+with\s+(.+))?$/i.exec(rest)
      const target = match?.[2] ? parseTarget(match[2]) : null
      if (!match?.[1] || !target)
        return {
          kind: 'usage',
          problem:
            'say what to run where: `/sitewire run <task-name> on <hostname | label=value[,label=value]> [in <site>] [with name=value …]`',
        }
      const params = match[4] === undefined ? {} : parseParams(match[4])
      if (params === null)
        return {
          kind: 'usage',
          problem: 'give parameters as `with name=value name="a value with spaces"`',
        }
      return {
        kind: 'run',
        task: unquote(match[1]),
        target,
        site: match[3] ? unquote(match[3]) : null,
        params,
      }
    }
    default:
      return { kind: 'usage', problem: `there is no \`${word}\` command` }
  }
}
