import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import {
  SavedReport,
  type SavedReportQuery,
  SavedReportResult,
  type UpdateSavedReportBody,
} from '../../schema/api/saved-reports'
import { action, examples } from '../action'
import { CliError } from '../errors'
import { type PageOptions, pagedList, printPage, withPaging } from '../paged-list'
import { collect } from '../pairs'
import type { Column } from '../table'

const PATH = '/v1/inventory/saved-reports'

const columns: Column<SavedReport>[] = [
  { header: 'ID', value: (report) => report.id },
  { header: 'NAME', value: (report) => report.name },
  { header: 'FORMAT', value: (report) => report.format },
  {
    header: 'SCHEDULE',
    value: (report) => report.schedule && `${report.schedule.cron} ${report.schedule.timezone}`,
  },
  { header: 'NEXT', value: (report) => report.next_run_at },
  { header: 'LAST', value: (report) => report.last_result?.status },
  { header: 'LAST AT', value: (report) => report.last_result?.finished_at },
  { header: 'OWNER', value: (report) => `${report.owner.type}/${report.owner.id}` },
]

const resultColumns: Column<SavedReportResult>[] = [
  { header: 'ID', value: (result) => result.id },
  { header: 'STARTED', value: (result) => result.started_at },
  { header: 'TRIGGER', value: (result) => result.trigger },
  { header: 'STATUS', value: (result) => result.status },
  { header: 'ROWS', value: (result) => result.rows },
  { header: 'BYTES', value: (result) => result.bytes },
  { header: 'ERROR', value: (result) => result.error && `${result.error.code}: ${result.error.message}` },
]

interface QueryOptions {
  kind?: string
  pivot?: string
  column?: string[]
  filter?: string[]
  tag?: string[]
  sort?: string
  groupBy?: string
  site?: string
}

/** The report's query from the flags, as the live report's query parameters; undefined when none is given. */
const queryOf = (options: QueryOptions): SavedReportQuery | undefined => {
  if (options.kind && options.pivot) throw new CliError('give --kind or --pivot, not both')
  if (options.pivot) return { type: 'pivot', query: { chain: options.pivot, filter: options.filter ?? [] } }
  if (!options.kind) return undefined
  const query: Record<string, string | string[]> = { kind: options.kind }
  if (options.column) query.columns = options.column.join(',')
  if (options.filter) query.filter = options.filter
  if (options.tag) query.tag = options.tag
  if (options.sort) query.sort = options.sort
  if (options.groupBy) query.group_by = options.groupBy
  if (options.site) query.site_id = options.site
  return { type: 'entities', query }
}

const withQueryOptions = (command: Command) =>
  command
    .option('--kind <kind>', 'a report on one kind of entity')
    .option('--pivot <chain>', 'a pivot instead: kind,relation,kind,…')
    .option('--column <field>', 'a column; repeat for more', collect)
    .option('--filter <filter>', 'field:op:value (a pivot: level:field:op:value); repeat for more', collect)
    .option('--tag <tag>', 'with this tag; repeat for more', collect)
    .option('--sort <field>', 'a field, -field for descending')
    .option('--group-by <field>', 'counts per value of this field')
    .option('--site <id>', 'one site only')
    .option('--format <format>', 'json, csv or pdf')
    .option('--cron <expression>', 'run it on this 5-field cron schedule')
    .option('--timezone <zone>', 'the cron schedule’s time zone', 'UTC')
    .option('--retention <n>', 'results kept (1–500)')
    .option('--share <team>', 'a team id to share it with; repeat for more', collect)

type Options = QueryOptions & {
  name?: string
  description?: string
  format?: string
  cron?: string
  timezone: string
  retention?: string
  share?: string[]
}

export const registerSavedReports = (inventory: Command) => {
  const saved = inventory
    .command('saved-reports')
    .description('reports saved with their query, run now or on a cron schedule; results kept in R2')
    .addHelpText(
      'after',
      [
        examples(
          'sitewire inventory saved-reports create --name "Prod servers" --kind server --filter attributes.environment:equals:prod --format csv --cron "0 6 * * 1" --timezone Europe/Paris',
          'sitewire inventory saved-reports run 01J…',
          'sitewire inventory saved-reports download 01J… --output servers.csv',
        ),
        "A saved report runs with its owner's access as it is at run time.",
      ].join('\n'),
    )

  withQueryOptions(
    saved
      .command('create')
      .description('save a report (the owner is you, or your API key)')
      .requiredOption('--name <name>', 'its name')
      .option('--description <text>', 'what it is for'),
  )
    .addHelpText(
      'after',
      examples(
        'sitewire inventory saved-reports create --name Servers --kind server --column name --column site_id',
        'sitewire inventory saved-reports create --name "App map" --pivot application,runs_on,server --format pdf --share 01J…',
      ),
    )
    .action(
      action<Options>(async (session, _args, options) => {
        const report = queryOf(options)
        if (!report) throw new CliError('give --kind or --pivot')
        const body = {
          name: options.name,
          report,
          ...(options.description !== undefined && { description: options.description }),
          ...(options.format && { format: options.format }),
          ...(options.cron && { schedule: { cron: options.cron, timezone: options.timezone } }),
          ...(options.retention && { retention: Number(options.retention) }),
          ...(options.share && { shared_with_team_ids: options.share }),
        }
        const created = await (await session.api()).json(SavedReport, 'POST', PATH, { json: body })
        session.printer.item(created, (row) => row.id, columns)
      }),
    )

  pagedList(
    saved
      .command('list')
      .alias('ls')
      .description('your saved reports and those shared with your teams')
      .addHelpText(
        'after',
        examples('sitewire inventory saved-reports list', 'sitewire -q inventory saved-reports list'),
      ),
    SavedReport,
    PATH,
    columns,
  )

  saved
    .command('get')
    .alias('show')
    .description('a saved report, with its query and last result')
    .argument('<report>')
    .addHelpText('after', examples('sitewire inventory saved-reports get 01J…'))
    .action(
      action(async (session, [id]) => {
        session.printer.document(await (await session.api()).get(SavedReport, `${PATH}/${id}`))
      }),
    )

  withQueryOptions(
    saved
      .command('update')
      .description('change a saved report (owner or tenant admin)')
      .argument('<report>')
      .option('--name <name>', 'its name')
      .option('--description <text>', 'what it is for')
      .option('--unschedule', 'stop its scheduled runs')
      .option('--share-with-none', 'share it with no team'),
  )
    .addHelpText(
      'after',
      examples(
        'sitewire inventory saved-reports update 01J… --cron "0 7 * * *" --timezone UTC',
        'sitewire inventory saved-reports update 01J… --unschedule --retention 10',
      ),
    )
    .action(
      action<Options & { unschedule?: boolean; shareWithNone?: boolean }>(async (session, [id], options) => {
        const report = queryOf(options)
        const body: UpdateSavedReportBody = {
          ...(options.name !== undefined && { name: options.name }),
          ...(options.description !== undefined && { description: options.description }),
          ...(report && { report }),
          ...(options.format && { format: options.format as 'json' | 'csv' | 'pdf' }),
          ...(options.cron && { schedule: { cron: options.cron, timezone: options.timezone } }),
          ...(options.unschedule && { schedule: null }),
          ...(options.retention && { retention: Number(options.retention) }),
          ...(options.share && { shared_with_team_ids: options.share }),
          ...(options.shareWithNone && { shared_with_team_ids: [] }),
        }
        const updated = await (await session.api()).json(SavedReport, 'PATCH', `${PATH}/${id}`, {
          json: body,
        })
        session.printer.item(updated, (row) => row.id, columns)
      }),
    )

  saved
    .command('delete')
    .description('delete a saved report and its results')
    .argument('<report>')
    .addHelpText('after', examples('sitewire inventory saved-reports delete 01J…'))
    .action(
      action(async (session, [id]) => {
        await (await session.api()).send('DELETE', `${PATH}/${id}`)
        session.printer.note(`deleted ${id}`)
      }),
    )

  saved
    .command('run')
    .description("run a saved report now, with its owner's access")
    .argument('<report>')
    .addHelpText('after', examples('sitewire inventory saved-reports run 01J…'))
    .action(
      action(async (session, [id]) => {
        const result = await (await session.api()).json(SavedReportResult, 'POST', `${PATH}/${id}/run`)
        session.printer.item(result, (row) => row.id, resultColumns)
      }),
    )

  withPaging(
    saved
      .command('results')
      .description("a saved report's results, newest first")
      .argument('<report>')
      .addHelpText('after', examples('sitewire inventory saved-reports results 01J…')),
  ).action(
    action<PageOptions>((session, [id], options) =>
      printPage(session, SavedReportResult, `${PATH}/${id}/results`, {}, options, resultColumns),
    ),
  )

  saved
    .command('download')
    .description("a result's file (the newest that succeeded unless named) to --output or stdout")
    .argument('<report>')
    .argument('[result]')
    .option('-o, --output <path>', 'where to write it (default: stdout)')
    .addHelpText(
      'after',
      examples(
        'sitewire inventory saved-reports download 01J… --output servers.csv',
        'sitewire inventory saved-reports download 01J… 01K… > report.pdf',
      ),
    )
    .action(
      action<{ output?: string }>(async (session, [id, resultId], options) => {
        const api = await session.api()
        let chosen = resultId
        if (!chosen) {
          const page = await api.list(SavedReportResult, `${PATH}/${id}/results`, {}, true)
          chosen = page.items.find((result) => result.status === 'succeeded')?.id
          if (!chosen) throw new CliError(`saved report ${id} has no result to download yet`)
        }
        const response = await api.send('GET', `${PATH}/${id}/results/${chosen}`)
        const bytes = new Uint8Array(await response.arrayBuffer())
        if (options.output) await writeFile(options.output, bytes)
        else process.stdout.write(bytes)
      }),
    )
}
