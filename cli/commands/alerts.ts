import { type Command, Option } from 'commander'
import type * as v from 'valibot'
import { AlertSeverity, AlertStatus } from '../../schema/alerts/received-alert'
import {
  Alert,
  AlertCounts,
  AlertHistory,
  AlertRecord,
  CreateSilenceBody,
  Silence,
} from '../../schema/api/alerts'
import type { SilenceMatcher } from '../../schema/events/alert'
import { action, examples } from '../action'
import { CliError, EXIT, parseInput } from '../errors'
import { readInputFile } from '../input-file'
import { inSite, type PageOptions, pagedList, printPage, withPaging } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Column } from '../table'

/** What else holds of an alert, as short words. */
const marks = (alert: Alert) =>
  [
    alert.silenced_by.length > 0 ? 'silenced' : '',
    alert.acknowledged ? 'acked' : '',
    alert.flapping ? 'flapping' : '',
  ].filter(Boolean)

const columns: Column<Alert>[] = [
  { header: 'ID', value: (alert) => alert.id },
  { header: 'STATUS', value: (alert) => alert.status },
  { header: 'SEVERITY', value: (alert) => alert.severity },
  { header: 'NAME', value: (alert) => alert.name },
  { header: 'LABELS', value: (alert) => alert.labels },
  { header: 'STARTED', value: (alert) => alert.starts_at },
  { header: 'EPISODE', value: (alert) => alert.episode },
  { header: 'MARKS', value: marks },
]

/** An alert as the search across sites lists it. */
const recordColumns: Column<AlertRecord>[] = [
  { header: 'ID', value: (alert) => alert.id },
  { header: 'SITE', value: (alert) => alert.site_id },
  { header: 'STATUS', value: (alert) => alert.status },
  { header: 'SEVERITY', value: (alert) => alert.severity },
  { header: 'NAME', value: (alert) => alert.name },
  { header: 'LABELS', value: (alert) => alert.labels },
  { header: 'STARTED', value: (alert) => alert.starts_at },
  {
    header: 'MARKS',
    value: (alert) =>
      [
        alert.silenced ? 'silenced' : '',
        alert.acknowledged ? 'acked' : '',
        alert.flapping ? 'flapping' : '',
      ].filter(Boolean),
  },
]

/** One alert, field by field. */
const detailColumns: Column<Alert>[] = [
  { header: 'id', value: (alert) => alert.id },
  { header: 'name', value: (alert) => alert.name },
  { header: 'status', value: (alert) => alert.status },
  { header: 'severity', value: (alert) => alert.severity },
  { header: 'summary', value: (alert) => alert.summary },
  { header: 'labels', value: (alert) => alert.labels },
  { header: 'annotations', value: (alert) => alert.annotations },
  { header: 'episode', value: (alert) => alert.episode },
  { header: 'started', value: (alert) => alert.starts_at },
  { header: 'ended', value: (alert) => alert.ends_at },
  { header: 'resolve reason', value: (alert) => alert.resolve_reason },
  { header: 'received', value: (alert) => `${alert.receive_count}, last ${alert.last_received_at}` },
  { header: 'integration', value: (alert) => `${alert.integration_id} (${alert.kind})` },
  { header: 'fingerprint', value: (alert) => alert.fingerprint },
  { header: 'silenced by', value: (alert) => alert.silenced_by },
  {
    header: 'acknowledged',
    value: (alert) =>
      alert.acknowledged &&
      `by ${alert.acknowledged.by} at ${alert.acknowledged.at}${alert.acknowledged.note ? `: ${alert.acknowledged.note}` : ''}`,
  },
  { header: 'flapping', value: (alert) => (alert.flapping ? 'yes' : 'no') },
  { header: 'links', value: (alert) => alert.links.map((link) => `${link.rel}: ${link.href}`).join('\n') },
]

type HistoryEntry = v.InferOutput<typeof AlertHistory>['items'][number]

/** The one line of an event's data worth reading. */
const detailOf = (entry: HistoryEntry) => {
  const data = (entry.data ?? {}) as Record<string, unknown>
  if (typeof data.note === 'string' && data.note) return data.note
  if (typeof data.reason === 'string') return `reason: ${data.reason}`
  if (typeof data.silence_id === 'string') return `silence ${data.silence_id}`
  const alert = data.alert as { summary?: string } | undefined
  return alert?.summary ?? ''
}

const historyColumns: Column<HistoryEntry>[] = [
  { header: 'SEQ', value: (entry) => entry.seq },
  { header: 'TIME', value: (entry) => entry.time },
  { header: 'EVENT', value: (entry) => entry.type.replace(/^io\.sitewire\.alert\./, '') },
  { header: 'ACTOR', value: (entry) => entry.actor },
  { header: 'DETAIL', value: detailOf },
]

const SEVERITIES = AlertSeverity.options

type CountGroup = v.InferOutput<typeof AlertCounts>['groups'][number]

/** Whether a silence holds now, or why not. */
export const silenceState = (silence: Silence) =>
  silence.deleted_at
    ? 'ended'
    : silence.active
      ? 'active'
      : Date.parse(silence.ends_at) <= Date.now()
        ? 'expired'
        : 'pending'

const silenceColumns: Column<Silence>[] = [
  { header: 'ID', value: (silence) => silence.id },
  { header: 'STATE', value: silenceState },
  { header: 'MATCHERS', value: (silence) => silence.matchers.map((m) => `${m.label}${m.op}${m.value}`) },
  { header: 'STARTS', value: (silence) => silence.starts_at },
  { header: 'ENDS', value: (silence) => silence.ends_at },
  {
    header: 'RECURS',
    value: (silence) =>
      silence.recurrence &&
      `${silence.recurrence.cron} ${silence.recurrence.timezone} for ${silence.recurrence.duration_seconds} s`,
  },
  { header: 'COMMENT', value: (silence) => silence.comment },
]

/** `service=api`, `instance=~web-.*`, `env!=prod`, `host!~db-.*` as a silence matcher. */
export const parseMatcher = (text: string): SilenceMatcher => {
  const found = /^([^=!~]+?)\s*(=~|!~|!=|=)(.*)$/.exec(text)
  if (!found)
    throw new CliError(
      `matcher "${text}" is not label=value, label!=value, label=~regex or label!~regex`,
      EXIT.usage,
    )
  const [, label = '', op, value = ''] = found
  return { label: label.trim(), op: op as '=' | '!=' | '=~' | '!~', value }
}

/** `90s`, `30m`, `2h`, `1d` (or plain seconds) as seconds. */
export const parseDuration = (text: string): number => {
  const found = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim())
  if (!found) throw new CliError(`"${text}" is not a duration such as 90s, 30m, 2h or 1d`, EXIT.usage)
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(found[2] ?? 's') as 's' | 'm' | 'h' | 'd']
  return Number(found[1]) * unit
}

interface SilenceOptions {
  file?: string
  match?: string[]
  startsAt?: string
  endsAt?: string
  for?: string
  cron?: string
  timezone?: string
  window?: string
  comment?: string
}

const silenceBody = async (options: SilenceOptions) => {
  if (options.file) return readInputFile(options.file, CreateSilenceBody, 'silence')
  if (!options.match || options.match.length === 0)
    throw new CliError('give at least one --match, or a file with -f', EXIT.usage)
  if (!options.endsAt && !options.for) throw new CliError('give --ends-at or --for', EXIT.usage)
  const start = options.startsAt ? Date.parse(options.startsAt) : Date.now()
  const endsAt = options.endsAt ?? new Date(start + parseDuration(options.for ?? '0') * 1000).toISOString()
  if (options.cron && !options.window) throw new CliError('a recurring silence needs --window', EXIT.usage)
  return parseInput(
    CreateSilenceBody,
    {
      matchers: options.match.map(parseMatcher),
      ...(options.startsAt ? { starts_at: options.startsAt } : {}),
      ends_at: endsAt,
      recurrence: options.cron
        ? {
            cron: options.cron,
            timezone: options.timezone ?? 'UTC',
            duration_seconds: parseDuration(options.window ?? '0'),
          }
        : null,
      comment: options.comment ?? '',
    },
    'silence',
  )
}

export const registerAlerts = (program: Command) => {
  const alerts = program
    .command('alerts')
    .alias('alert')
    .description("the site's alerts as their senders report them: one per series, its current episode")
    .addHelpText(
      'after',
      examples(
        'sitewire alerts list --status firing --severity critical',
        'sitewire alerts list --all-sites --status firing',
        'sitewire alerts ack 01J… --note "on it"',
        'sitewire alerts counts --group-by alertname',
      ),
    )

  withPaging(
    alerts
      .command('list')
      .alias('ls')
      .description("the site's alerts, newest first; --all-sites searches every site's")
      .addOption(new Option('--status <status>').choices(AlertStatus.options))
      .addOption(new Option('--severity <severity>').choices(SEVERITIES))
      .option('--integration <id>', 'alerts from this integration')
      .option('--label <key=value>', 'alerts with this label; repeat to require more', collect)
      .addOption(
        new Option('--silenced <bool>', 'only silenced (true), or only not silenced (false)').choices([
          'true',
          'false',
        ]),
      )
      .option('-s, --search <text>', 'in names and summaries')
      .option('--all-sites', 'alerts across the sites you may see (with --site: only that one)')
      .option('--since <time>', 'with --all-sites: started at or after')
      .option('--until <time>', 'with --all-sites: started before'),
  ).action(
    action<
      PageOptions & {
        status?: string
        severity?: string
        integration?: string
        label?: string[]
        silenced?: string
        search?: string
        allSites?: boolean
        since?: string
        until?: string
      }
    >(async (session, _args, options) => {
      const query = {
        status: options.status,
        severity: options.severity,
        integration_id: options.integration,
        label: options.label?.length
          ? Object.entries(keyValues(options.label, 'label'))
              .map(([key, value]) => `${key}=${value}`)
              .join(',')
          : undefined,
        silenced: options.silenced,
        q: options.search,
      }
      if (!options.allSites) return printPage(session, Alert, inSite('/alerts'), query, options, columns)
      const search = {
        ...query,
        site_id: session.options.site,
        since: options.since,
        until: options.until,
      }
      await printPage(session, AlertRecord, '/v1/alerts', search, options, recordColumns)
    }),
  )

  alerts
    .command('get')
    .alias('show')
    .description('an alert: labels, annotations, links back to its sender, who acknowledged it')
    .argument('<alert>')
    .action(
      action(async (session, [id]) => {
        const alert = await (await session.api()).get(Alert, await session.sitePath(`/alerts/${id}`))
        session.printer.item(alert, (row) => row.id, detailColumns)
      }),
    )

  alerts
    .command('history')
    .description("every event of an alert's life, oldest first")
    .argument('<alert>')
    .action(
      action(async (session, [id]) => {
        const history = await (await session.api()).get(
          AlertHistory,
          await session.sitePath(`/alerts/${id}/history`),
        )
        session.printer.list(history, historyColumns, (entry) => String(entry.seq))
      }),
    )

  alerts
    .command('ack')
    .alias('acknowledge')
    .description('acknowledge a firing alert: someone is on it, until its next episode')
    .argument('<alert>')
    .option('--note <text>', 'what is being done')
    .action(
      action<{ note?: string }>(async (session, [id], options) => {
        const alert = await (await session.api()).json(
          Alert,
          'POST',
          await session.sitePath(`/alerts/${id}/acknowledge`),
          { json: { note: options.note ?? '' } },
        )
        session.printer.item(alert, (row) => row.id, columns)
      }),
    )

  alerts
    .command('resolve')
    .description('resolve a firing alert by hand; the sender firing it again starts a new episode')
    .argument('<alert>')
    .action(
      action(async (session, [id]) => {
        const alert = await (await session.api()).json(
          Alert,
          'POST',
          await session.sitePath(`/alerts/${id}/resolve`),
        )
        session.printer.item(alert, (row) => row.id, columns)
      }),
    )

  alerts
    .command('counts')
    .description('alerts counted by severity, in groups of equal values of the --group-by labels')
    .addOption(new Option('--status <status>').choices(AlertStatus.options))
    .option('--group-by <labels>', 'label names, comma-separated, e.g. alertname,service')
    .action(
      action<{ status?: string; groupBy?: string }>(async (session, _args, options) => {
        const counts = await (await session.api()).get(
          AlertCounts,
          await session.sitePath('/alerts/counts'),
          {
            status: options.status,
            group_by: options.groupBy,
          },
        )
        const groupColumns: Column<CountGroup>[] = [
          {
            header: 'GROUP',
            value: (group) => (Object.keys(group.labels).length > 0 ? group.labels : 'all'),
          },
          { header: 'COUNT', value: (group) => group.count },
          ...SEVERITIES.map((severity) => ({
            header: severity.toUpperCase(),
            value: (group: CountGroup) => group.by_severity[severity] ?? 0,
          })),
        ]
        session.printer.list({ items: counts.groups }, groupColumns, (group) => JSON.stringify(group.labels))
      }),
    )

  const silences = program
    .command('silences')
    .alias('silence')
    .description(
      'maintenance windows: matching alerts are recorded and marked silenced, and rules leave them alone',
    )
    .addHelpText(
      'after',
      [
        examples(
          "sitewire silences create --match service=api --match 'instance=~web-.*' --for 2h --comment 'kernel upgrade'",
          'sitewire silences delete 01J…',
        ),
        'A silence file (-f):',
        '  matchers: [{ label: service, op: "=", value: api }]',
        '  ends_at: 2026-12-24T06:00:00Z',
        '  recurrence: { cron: "0 2 * * 6", timezone: Europe/Paris, duration_seconds: 7200 }',
        '  comment: weekly patching',
      ].join('\n'),
    )

  pagedList(
    silences.command('list').alias('ls').description("the site's silences, newest first"),
    Silence,
    inSite('/silences'),
    silenceColumns,
  )

  silences
    .command('create')
    .description('silence alerts whose labels match every --match, until --ends-at (or --for)')
    .option(
      '--match <matcher>',
      'label=value, label!=value, label=~regex or label!~regex; repeat for more',
      collect,
    )
    .option('--starts-at <time>', 'an RFC 3339 time (default: now)')
    .option('--ends-at <time>', 'an RFC 3339 time')
    .option('--for <duration>', 'instead of --ends-at: 90m, 2h, 1d…')
    .option('--cron <cron>', 'recurring: each window starts at a fire time of this cron')
    .option('--timezone <tz>', "the cron's time zone (default UTC)")
    .option('--window <duration>', "each recurring window's length: 30m, 2h…")
    .option('--comment <text>', 'why')
    .option('-f, --file <path>', 'the silence as YAML or JSON instead; - reads stdin')
    .action(
      action<SilenceOptions>(async (session, _args, options) => {
        const body = await silenceBody(options)
        const silence = await (await session.api()).json(
          Silence,
          'POST',
          await session.sitePath('/silences'),
          {
            json: body,
          },
        )
        session.printer.item(silence, (row) => row.id, silenceColumns)
      }),
    )

  silences
    .command('delete')
    .alias('end')
    .description('end a silence early: alerts it held become visible to rules again')
    .argument('<silence>')
    .action(
      action(async (session, [id]) => {
        const silence = await (await session.api()).json(
          Silence,
          'DELETE',
          await session.sitePath(`/silences/${id}`),
        )
        session.printer.item(silence, (row) => row.id, silenceColumns)
      }),
    )
}
