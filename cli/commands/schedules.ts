import type { Command } from 'commander'
import { CreateScheduleBody, Schedule, UpdateScheduleBody } from '../../schema/api/schedules'
import { action, examples } from '../action'
import { readInputFile } from '../input-file'
import { inSite, pagedList } from '../paged-list'
import type { Column } from '../table'

const columns: Column<Schedule>[] = [
  { header: 'ID', value: (schedule) => schedule.id },
  { header: 'NAME', value: (schedule) => schedule.name },
  { header: 'WHEN', value: (schedule) => schedule.cron ?? schedule.at },
  { header: 'TZ', value: (schedule) => schedule.timezone },
  { header: 'STATUS', value: (schedule) => schedule.status },
  { header: 'NEXT', value: (schedule) => schedule.next_fire_times[0] },
  { header: 'LAST RUN', value: (schedule) => schedule.last_run_id },
  { header: 'LAST ERROR', value: (schedule) => schedule.last_error },
]

export const registerSchedules = (program: Command) => {
  const schedules = program
    .command('schedules')
    .alias('schedule')
    .description('run tasks on a cron expression (in a time zone) or once at a time')
    .addHelpText(
      'after',
      [
        examples('sitewire schedules create -f nightly.yaml', 'sitewire schedules pause 01J…'),
        'A schedule file:',
        '  task_id: 01J…',
        '  cron: "0 9 * * 1-5"',
        '  timezone: Europe/Paris',
        '  run: { target: { labels: { role: web } } }',
        '  missed: run_once',
      ].join('\n'),
    )

  pagedList(
    schedules
      .command('list')
      .alias('ls')
      .description("the site's schedules and their next fire times")
      .option('--task <id>', 'schedules of this task'),
    Schedule,
    inSite('/schedules'),
    columns,
    (options: { task?: string }) => ({ task_id: options.task }),
  )

  schedules
    .command('show')
    .description('a schedule, with its next five fire times')
    .argument('<schedule>')
    .action(
      action(async (session, [id]) => {
        const schedule = await (await session.api()).get(Schedule, await session.sitePath(`/schedules/${id}`))
        session.printer.document(schedule)
      }),
    )

  schedules
    .command('create')
    .description('create a schedule from a YAML or JSON file')
    .requiredOption('-f, --file <path>', 'the schedule; - reads stdin')
    .action(
      action<{ file: string }>(async (session, _args, options) => {
        const body = await readInputFile(options.file, CreateScheduleBody, 'schedule')
        const schedule = await (await session.api()).json(
          Schedule,
          'POST',
          await session.sitePath('/schedules'),
          { json: body },
        )
        session.printer.item(schedule, (row) => row.id, columns)
      }),
    )

  schedules
    .command('update')
    .description('change a schedule with a file of the fields to change')
    .argument('<schedule>')
    .requiredOption('-f, --file <path>', 'the fields to change; - reads stdin')
    .action(
      action<{ file: string }>(async (session, [id], options) => {
        const body = await readInputFile(options.file, UpdateScheduleBody, 'schedule change')
        const schedule = await (await session.api()).json(
          Schedule,
          'PATCH',
          await session.sitePath(`/schedules/${id}`),
          {
            json: body,
          },
        )
        session.printer.item(schedule, (row) => row.id, columns)
      }),
    )

  for (const [verb, method, suffix, description] of [
    ['pause', 'POST', '/pause', 'pause a schedule'],
    ['resume', 'POST', '/resume', 'resume a paused schedule'],
    ['delete', 'DELETE', '', 'delete a schedule'],
  ] as const) {
    schedules
      .command(verb)
      .description(description)
      .argument('<schedule>')
      .action(
        action(async (session, [id]) => {
          const schedule = await (await session.api()).json(
            Schedule,
            method,
            await session.sitePath(`/schedules/${id}${suffix}`),
          )
          session.printer.item(schedule, (row) => row.id, columns)
        }),
      )
  }
}
