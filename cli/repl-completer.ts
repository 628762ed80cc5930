import type { Command } from 'commander'
import { parse } from 'shell-quote'
import * as v from 'valibot'
import type { ApiClient } from './api-client'
import type { Session } from './session'

/** Which list names the ids a command's arguments take, by the command (or option) they follow. */
const ID_SOURCES: Record<string, (site: string) => string> = {
  sites: () => '/v1/sites',
  '--site': () => '/v1/sites',
  agents: (site) => `/v1/sites/${site}/agents`,
  '--agent': (site) => `/v1/sites/${site}/agents`,
  tasks: (site) => `/v1/sites/${site}/tasks`,
  run: (site) => `/v1/sites/${site}/tasks`,
  '--task': (site) => `/v1/sites/${site}/tasks`,
  runs: (site) => `/v1/sites/${site}/runs`,
  logs: (site) => `/v1/sites/${site}/runs`,
  schedules: (site) => `/v1/sites/${site}/schedules`,
  files: (site) => `/v1/sites/${site}/files`,
  alerts: (site) => `/v1/sites/${site}/alerts`,
  integrations: (site) => `/v1/sites/${site}/integrations`,
  silences: (site) => `/v1/sites/${site}/silences`,
  rules: (site) => `/v1/sites/${site}/rules`,
}

/** How long fetched ids are reused before the API is asked again. */
const ID_CACHE_MS = 15_000

const IdPage = v.object({ items: v.array(v.looseObject({ id: v.string() })) })

/** The words of a line as a shell would split them. */
export const wordsOf = (line: string): string[] =>
  parse(line).map((word) => (typeof word === 'string' ? word : 'op' in word ? word.op : String(word)))

/**
 * Completes a REPL line: subcommands and options from the command tree, and the ids of sites,
 * agents, tasks, runs, schedules, files, alerts, integrations, silences and rules fetched from the API where a command takes one.
 */
export class ReplCompleter {
  private readonly cache = new Map<string, { at: number; ids: string[] }>()

  constructor(
    private readonly program: Command,
    private readonly session: Session,
  ) {}

  async complete(line: string): Promise<[string[], string]> {
    const words = wordsOf(line)
    const partial = line.length === 0 || /\s$/.test(line) ? '' : (words.pop() ?? '')
    let command = this.program
    let idKey: string | undefined
    let previous: string | undefined
    for (const word of words) {
      const sub = command.commands.find(
        (candidate) => candidate.name() === word || candidate.aliases().includes(word),
      )
      if (sub) {
        command = sub
        if (ID_SOURCES[sub.name()]) idKey = sub.name()
      }
      previous = word
    }
    if (previous?.startsWith('--') && ID_SOURCES[previous]) {
      return [matching(await this.ids(previous), partial), partial]
    }
    if (partial.startsWith('-')) {
      const options = [...command.options, ...this.program.options].flatMap((option) =>
        [option.long, option.short].filter((name): name is string => Boolean(name)),
      )
      return [matching(options, partial), partial]
    }
    if (command.commands.length > 0) {
      const names = command.commands
        .flatMap((sub) => [sub.name(), ...sub.aliases()])
        .filter((name) => name !== 'help')
      return [matching(names, partial), partial]
    }
    if (idKey === undefined || command.registeredArguments.length === 0) return [[], partial]
    return [matching(await this.ids(idKey), partial), partial]
  }

  /** The ids a list answers, cached for a few seconds; none when the API cannot be asked. */
  private async ids(key: string): Promise<string[]> {
    const source = ID_SOURCES[key]
    if (!source) return []
    let path: string
    let api: ApiClient
    try {
      api = await this.session.api()
      path = source(key === 'sites' || key === '--site' ? '' : await this.session.site())
    } catch {
      return []
    }
    const cached = this.cache.get(path)
    if (cached && Date.now() - cached.at < ID_CACHE_MS) return cached.ids
    const ids = await api
      .get(IdPage, path, { limit: 1000 })
      .then((page) => page.items.map((item) => item.id))
      .catch(() => [])
    this.cache.set(path, { at: Date.now(), ids })
    return ids
  }
}

const matching = (candidates: string[], partial: string) =>
  [...new Set(candidates)].filter((candidate) => candidate.startsWith(partial)).sort()
