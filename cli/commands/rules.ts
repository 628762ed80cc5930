import { type Command, Option } from 'commander'
import {
  type BacktestMatch,
  BacktestResult,
  CreateRuleBody,
  Rule,
  RuleTrigger,
  type RuleVersion,
  RuleVersionList,
  UpdateRuleBody,
} from '../../schema/api/rules'
import { RuleTransition } from '../../schema/rules/rule-context'
import { action, examples } from '../action'
import type { ApiClient } from '../api-client'
import { ApiFailure, CliError, EXIT, parseInput } from '../errors'
import { readInputFile } from '../input-file'
import { inSite, type PageOptions, pagedList, withPaging } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Session } from '../session'
import type { Column } from '../table'
import { parseDuration } from './alerts'
import { findTask } from './tasks'

const actionText = (rule: Rule) => {
  if (rule.action.kind === 'resolve') return 'resolve'
  if (rule.action.kind === 'notify') return `notify ${rule.action.url} (${rule.action.format})`
  const target = [
    rule.action.target_label ? `host in ${rule.action.target_label}` : '',
    rule.action.target?.labels
      ? Object.entries(rule.action.target.labels)
          .map(([key, value]) => `${key}=${value}`)
          .join(',')
      : '',
  ].filter(Boolean)
  return `run ${rule.action.task_id}${target.length > 0 ? ` on ${target.join(' and ')}` : ''}`
}

const columns: Column<Rule>[] = [
  { header: 'ID', value: (rule) => rule.id },
  { header: 'NAME', value: (rule) => rule.name },
  { header: 'VERSION', value: (rule) => rule.version },
  { header: 'STATE', value: (rule) => (rule.enabled ? 'enabled' : 'disabled') },
  { header: 'ON', value: (rule) => rule.on },
  { header: 'EXPRESSION', value: (rule) => rule.expression },
  { header: 'ACTION', value: actionText },
]

const triggerColumns: Column<RuleTrigger>[] = [
  { header: 'AT', value: (trigger) => trigger.at },
  { header: 'ALERT', value: (trigger) => trigger.alert_id },
  { header: 'ON', value: (trigger) => `${trigger.transition} #${trigger.episode}` },
  { header: 'VERSION', value: (trigger) => trigger.rule_version },
  { header: 'OUTCOME', value: (trigger) => trigger.outcome },
  { header: 'RUN', value: (trigger) => trigger.run_id },
  { header: 'RUN STATUS', value: (trigger) => trigger.run_status },
  { header: 'ERROR', value: (trigger) => trigger.error },
]

const versionColumns: Column<RuleVersion>[] = [
  { header: 'VERSION', value: (version) => version.version },
  { header: 'SAVED', value: (version) => version.saved_at },
  { header: 'BY', value: (version) => version.saved_by },
  { header: 'STATE', value: (version) => (version.definition.enabled ? 'enabled' : 'disabled') },
  { header: 'EXPRESSION', value: (version) => version.definition.expression },
]

const matchColumns: Column<BacktestMatch>[] = [
  { header: 'AT', value: (match) => match.at },
  { header: 'ALERT', value: (match) => match.name },
  { header: 'LABELS', value: (match) => match.labels },
  { header: 'ON', value: (match) => `${match.transition} #${match.episode}` },
  { header: 'OUTCOME', value: (match) => match.outcome },
  { header: 'PARAMS', value: (match) => match.run?.params },
  { header: 'TARGET', value: (match) => match.run?.target },
  { header: 'AGENTS', value: (match) => match.run?.agents },
  { header: 'ERROR', value: (match) => match.error },
]

/** `--since`/`--until` as instants, or `--last` up to now; the last 24 hours unless told. */
const windowOf = (options: { since?: string; until?: string; last?: string }) => {
  if (options.last && options.since) throw new CliError('give --since or --last, not both', EXIT.usage)
  const instant = (text: string, what: string) => {
    const at = Date.parse(text)
    if (Number.isNaN(at))
      throw new CliError(`${what} "${text}" is not a time such as 2026-12-06T10:00:00Z`, EXIT.usage)
    return new Date(at).toISOString()
  }
  const until = options.until ? instant(options.until, '--until') : new Date().toISOString()
  const since = options.since
    ? instant(options.since, '--since')
    : new Date(Date.parse(until) - parseDuration(options.last ?? '24h') * 1000).toISOString()
  return { since, until }
}

interface RuleOptions {
  file?: string
  name?: string
  expression?: string
  on?: string[]
  runTask?: string
  param?: string[]
  targetLabel?: string
  label?: string[]
  resolve?: boolean
  notify?: string
  notifyFormat?: string
  notifyText?: string
  throttleRule?: string
  throttleAlert?: string
  enable?: boolean
  disable?: boolean
}

const ActionOptions = [
  'runTask',
  'param',
  'targetLabel',
  'label',
  'resolve',
  'notify',
  'notifyFormat',
  'notifyText',
] as const

const seconds = (text: string | undefined, what: string) => {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new CliError(`${what} "${text}" is not a number of seconds`, EXIT.usage)
  return Number(text)
}

/** The fields the options give, with the action built on `current`'s where only part of it changes. */
const fieldsOf = async (session: Session, api: ApiClient, options: RuleOptions, current?: Rule) => {
  if (options.resolve && options.runTask)
    throw new CliError('give --run-task or --resolve, not both', EXIT.usage)
  const fields: Record<string, unknown> = {}
  if (options.name !== undefined) fields.name = options.name
  if (options.expression !== undefined) fields.expression = options.expression
  if (options.on) fields.on = options.on
  if (options.enable) fields.enabled = true
  if (options.disable) fields.enabled = false
  const ruleSeconds = seconds(options.throttleRule, '--throttle-rule')
  const alertSeconds = seconds(options.throttleAlert, '--throttle-alert')
  if (ruleSeconds !== undefined || alertSeconds !== undefined)
    fields.throttle = {
      rule_seconds: ruleSeconds ?? current?.throttle.rule_seconds ?? 0,
      fingerprint_seconds: alertSeconds ?? current?.throttle.fingerprint_seconds ?? 300,
    }
  if (ActionOptions.some((name) => options[name] !== undefined)) {
    const previousNotify = current?.action.kind === 'notify' ? current.action : undefined
    if (options.resolve) fields.action = { kind: 'resolve' }
    else if (options.notify || ((options.notifyFormat || options.notifyText) && previousNotify)) {
      fields.action = {
        kind: 'notify',
        url: options.notify ?? previousNotify?.url,
        ...(options.notifyFormat
          ? { format: options.notifyFormat }
          : previousNotify
            ? { format: previousNotify.format }
            : {}),
        ...(options.notifyText
          ? { text: options.notifyText }
          : previousNotify
            ? { text: previousNotify.text }
            : {}),
      }
    } else {
      const previous = current?.action.kind === 'run_task' ? current.action : undefined
      const taskId = options.runTask ? (await findTask(session, api, options.runTask)).id : previous?.task_id
      if (!taskId)
        throw new CliError(
          'say what the rule does: --run-task <task>, --notify <url> or --resolve',
          EXIT.usage,
        )
      const labels = options.label ? keyValues(options.label, 'label') : undefined
      const { target: previousTarget, target_label: previousLabel, ...kept } = previous ?? {}
      const target = labels ? { labels } : previousTarget
      const targetLabel = options.targetLabel ?? previousLabel
      fields.action = {
        ...kept,
        kind: 'run_task',
        task_id: taskId,
        params: options.param ? keyValues(options.param, 'parameter') : (previous?.params ?? {}),
        ...(target ? { target } : {}),
        ...(targetLabel ? { target_label: targetLabel } : {}),
      }
    }
  }
  return fields
}

/** A refused expression: the API's message and position, and the expression with a caret under the column. */
const explainRefusal = (error: unknown, expression: string | undefined) => {
  if (!(error instanceof ApiFailure) || error.code !== 'invalid_expression' || expression === undefined)
    return error
  const position = /line (\d+), column (\d+)/.exec(error.details.join('\n'))
  if (!position) return error
  const line = expression.split('\n')[Number(position[1]) - 1] ?? ''
  return new ApiFailure(error.message, error.status, error.code, [
    ...error.details,
    `  ${line}`,
    `  ${' '.repeat(Number(position[2]) - 1)}^`,
  ])
}

const withRuleOptions = (command: Command) =>
  command
    .option('--name <name>')
    .option('-e, --expression <cel>', 'when the rule acts: CEL over alert and transition')
    .addOption(
      new Option('--on <transition>', 'the transitions it looks at; repeat for more (default fired, refired)')
        .choices(RuleTransition.options)
        .argParser(collect),
    )
    .option('--run-task <task>', 'act by running this task (an id or its exact name)')
    .option(
      '-p, --param <name=value>',
      'a parameter of the run, a template such as {{ alert.labels.instance }}',
      collect,
    )
    .option(
      '--target-label <label>',
      "the alert label whose value names the agent's hostname (e.g. instance)",
    )
    .option('--label <key=value>', 'run on agents with this label; repeat to require more', collect)
    .option('--notify <url>', 'act by posting to this URL (a Slack incoming webhook, or any JSON endpoint)')
    .addOption(
      new Option(
        '--notify-format <format>',
        'with --notify: a Slack message, or JSON with the alert (default json)',
      ).choices(['slack', 'json']),
    )
    .option(
      '--notify-text <template>',
      'with --notify: the text, e.g. "[{{ alert.severity }}] {{ alert.name }}"',
    )
    .option('--resolve', 'act by resolving the alert')
    .option('--throttle-rule <seconds>', 'act at most once in this many seconds')
    .option('--throttle-alert <seconds>', 'act at most once in this many seconds on one alert series')
    .option('-f, --file <path>', 'the rule as YAML or JSON instead; - reads stdin')

export const registerRules = (program: Command) => {
  const rules = program
    .command('rules')
    .alias('rule')
    .description('what the site does when alerts change: run a task, notify, or resolve the alert')
    .addHelpText(
      'after',
      [
        examples(
          'sitewire rules create --name "Restart web" -e \'alert.labels.alertname == "HighLatency"\' --run-task "Restart web" --target-label instance',
          'sitewire rules create -f rule.json',
          'sitewire rules triggers 01J…',
          'sitewire rules backtest 01J… --last 7d',
        ),
        'A rule file (-f):',
        '  name: Restart web on latency',
        '  expression: alert.severity == "critical" && alert.labels.service == "web"',
        '  on: [fired, refired]',
        '  action: { kind: run_task, task_id: 01J…, params: { host: "{{ alert.labels.instance }}" }, target_label: instance }',
        '  throttle: { rule_seconds: 0, fingerprint_seconds: 600 }',
      ].join('\n'),
    )

  pagedList(
    rules.command('list').alias('ls').description("the site's rules"),
    Rule,
    inSite('/rules'),
    columns,
  )

  rules
    .command('get')
    .alias('show')
    .description('a rule, its latest version')
    .argument('<rule>')
    .action(
      action(async (session, [id]) => {
        const rule = await (await session.api()).get(Rule, await session.sitePath(`/rules/${id}`))
        session.printer.document(rule)
      }),
    )

  withRuleOptions(rules.command('create').description('create a rule from options or a file'))
    .option('--disable', 'create it disabled')
    .action(
      action<RuleOptions>(async (session, _args, options) => {
        const api = await session.api()
        const body = options.file
          ? await readInputFile(options.file, CreateRuleBody, 'rule')
          : parseInput(CreateRuleBody, await fieldsOf(session, api, options), 'rule')
        try {
          const rule = await api.json(Rule, 'POST', await session.sitePath('/rules'), { json: body })
          session.printer.item(rule, (row) => row.id, columns)
        } catch (error) {
          throw explainRefusal(error, body.expression)
        }
      }),
    )

  withRuleOptions(
    rules
      .command('update')
      .description('change a rule: a new version with the fields given')
      .argument('<rule>'),
  )
    .option('--enable', 'turn it on')
    .option('--disable', 'turn it off')
    .action(
      action<RuleOptions>(async (session, [id], options) => {
        const api = await session.api()
        const path = await session.sitePath(`/rules/${id}`)
        const body = options.file
          ? await readInputFile(options.file, UpdateRuleBody, 'rule change')
          : parseInput(
              UpdateRuleBody,
              await fieldsOf(session, api, options, await api.get(Rule, path)),
              'rule change',
            )
        try {
          const rule = await api.json(Rule, 'PATCH', path, { json: body })
          session.printer.item(rule, (row) => row.id, columns)
        } catch (error) {
          throw explainRefusal(error, body.expression)
        }
      }),
    )

  rules
    .command('delete')
    .description('delete a rule; runs it started and its triggers stay')
    .argument('<rule>')
    .action(
      action(async (session, [id]) => {
        const rule = await (await session.api()).json(Rule, 'DELETE', await session.sitePath(`/rules/${id}`))
        session.printer.item(rule, (row) => row.id, columns)
      }),
    )

  rules
    .command('versions')
    .description("a rule's versions, oldest first: when each was saved, by whom, and its expression")
    .argument('<rule>')
    .action(
      action(async (session, [id]) => {
        const versions = await (await session.api()).get(
          RuleVersionList,
          await session.sitePath(`/rules/${id}/versions`),
        )
        session.printer.list(versions, versionColumns, (version) => String(version.version))
      }),
    )

  rules
    .command('backtest')
    .description(
      'what a rule would have done on the alerts delivered in a window: a saved rule, with -e as a change, or an unsaved one from -f; nothing is started',
    )
    .argument('[rule]', 'a saved rule; without it, -f gives the rule')
    .option('-e, --expression <cel>', 'with <rule>: try this expression instead of its own')
    .option('-f, --file <path>', 'an unsaved rule as YAML or JSON, as `rules create -f` takes; - reads stdin')
    .option('--since <time>', 'deliveries at or after this time')
    .option('--until <time>', 'deliveries before this time (default now)')
    .option('--last <duration>', 'instead of --since: the last 30m, 24h, 7d… (default 24h)')
    .action(
      action<{ expression?: string; file?: string; since?: string; until?: string; last?: string }>(
        async (session, [id], options) => {
          if ((id === undefined) === (options.file === undefined))
            throw new CliError('give a rule, or an unsaved one with -f, not both', EXIT.usage)
          if (options.expression !== undefined && id === undefined)
            throw new CliError('-e changes a saved rule; put the expression in the -f file', EXIT.usage)
          const rule = options.file ? await readInputFile(options.file, CreateRuleBody, 'rule') : undefined
          const body = {
            ...(rule ? { rule } : { rule_id: id }),
            ...(options.expression !== undefined ? { changes: { expression: options.expression } } : {}),
            ...windowOf(options),
          }
          let result: BacktestResult
          try {
            result = await (await session.api()).json(
              BacktestResult,
              'POST',
              await session.sitePath('/rules/backtest'),
              { json: body },
            )
          } catch (error) {
            throw explainRefusal(error, options.expression ?? rule?.expression)
          }
          const { printer } = session
          if (printer.format === 'json' || printer.format === 'yaml') return printer.document(result)
          printer.list({ items: result.matches }, matchColumns, (match) => match.delivery_id)
          if (printer.format === 'table')
            printer.line(
              `${result.deliveries} deliveries (${result.unreadable} unreadable), ${result.transitions} transitions, ` +
                `${result.matches.length} matched, ${result.would_start} would start a run` +
                (result.truncated ? '; the window held more deliveries than one backtest reads' : ''),
            )
        },
      ),
    )

  withPaging(
    rules
      .command('triggers')
      .description(
        'each time the rule matched an alert, and what came of it: the run and its status, or the error',
      )
      .argument('<rule>'),
  ).action(
    action<PageOptions>(async (session, [id], options) => {
      const page = await (await session.api()).list(
        RuleTrigger,
        await session.sitePath(`/rules/${id}/triggers`),
        { limit: options.limit, cursor: options.cursor },
        options.all ?? false,
      )
      session.printer.list(page, triggerColumns, (trigger) => trigger.run_id ?? String(trigger.seq))
    }),
  )
}
