import type { Command } from 'commander'
import { createTwoFilesPatch } from 'diff'
import type * as v from 'valibot'
import YAML from 'yaml'
import { CloneTaskBody, Task, TaskVersion } from '../../schema/api/tasks'
import { TaskDefinition } from '../../schema/tasks/task'
import { action, examples } from '../action'
import type { ApiClient } from '../api-client'
import { pc } from '../colours'
import { CliError, EXIT, parseInput } from '../errors'
import { readInputFile } from '../input-file'
import { inSite, pagedList } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Session } from '../session'
import type { Column } from '../table'

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

const columns: Column<Task>[] = [
  { header: 'ID', value: (task) => task.id },
  { header: 'NAME', value: (task) => task.name },
  { header: 'VERSION', value: (task) => task.version },
  { header: 'STEPS', value: (task) => task.steps.length },
  { header: 'PARAMS', value: (task) => task.params.map((param) => param.name) },
  { header: 'LABELS', value: (task) => task.labels },
  { header: 'UPDATED', value: (task) => task.updated_at },
]

const versionColumns: Column<v.InferOutput<typeof TaskVersion>>[] = [
  { header: 'VERSION', value: (version) => version.version },
  { header: 'CREATED', value: (version) => version.created_at },
  { header: 'BY', value: (version) => version.created_by },
  { header: 'NAME', value: (version) => version.definition.name },
  { header: 'STEPS', value: (version) => version.definition.steps.length },
]

/** A task named by its id, or by its exact name (which must then be unique in the site). */
export const findTask = async (session: Session, api: ApiClient, idOrName: string): Promise<Task> => {
  if (ULID.test(idOrName)) return api.get(Task, await session.sitePath(`/tasks/${idOrName}`))
  const found = await api.list(Task, await session.sitePath('/tasks'), { q: idOrName, limit: 1000 }, true)
  const exact = found.items.filter((task) => task.name === idOrName)
  if (exact.length === 1 && exact[0]) return exact[0]
  if (exact.length === 0) throw new CliError(`no task named "${idOrName}" in this site`)
  throw new CliError(
    `${exact.length} tasks are named "${idOrName}": give an id`,
    EXIT.usage,
    exact.map((task) => task.id),
  )
}

const versionsOf = async (session: Session, api: ApiClient, taskId: string) =>
  (await api.list(TaskVersion, await session.sitePath(`/tasks/${taskId}/versions`), { limit: 1000 }, true))
    .items

export const registerTasks = (program: Command) => {
  const tasks = program
    .command('tasks')
    .alias('task')
    .description('tasks: ordered steps with typed parameters; every edit is a new version')
    .addHelpText(
      'after',
      examples(
        'sitewire tasks create -f restart-web.yaml',
        'sitewire tasks update "Restart web" -f restart-web.yaml',
        'sitewire tasks diff "Restart web" 1 2',
        'sitewire run "Restart web" --label role=web -p unit=nginx --follow',
      ),
    )

  pagedList(
    tasks
      .command('list')
      .alias('ls')
      .description("the site's tasks")
      .option('--search <text>', 'part of the name, any case')
      .option('--label <key=value>', 'only tasks with this label'),
    Task,
    inSite('/tasks'),
    columns,
    (options: { search?: string; label?: string }) => ({ q: options.search, label: options.label }),
  )

  tasks
    .command('show')
    .description('a task (by id or name), its steps in YAML')
    .argument('<task>')
    .action(
      action(async (session, [idOrName = '']) => {
        const task = await findTask(session, await session.api(), idOrName)
        if (session.printer.format === 'quiet') return session.printer.line(task.id)
        session.printer.document(task)
      }),
    )

  tasks
    .command('create')
    .description('create a task from a YAML or JSON file (checked before it is sent)')
    .requiredOption('-f, --file <path>', 'the task: name, steps, params…; - reads stdin')
    .addHelpText(
      'after',
      [
        examples(
          'sitewire tasks create -f restart-web.yaml',
          'sitewire --json tasks create -f - < task.json',
        ),
        'A task file:',
        '  name: Restart web',
        '  params: [{ name: unit, type: string, default: nginx }]',
        '  steps:',
        '    - kind: script',
        '      interpreter: bash',
        '      body: systemctl restart {{ params.unit }}',
        '      timeout_seconds: 60',
      ].join('\n'),
    )
    .action(
      action<{ file: string }>(async (session, _args, options) => {
        const definition = await readInputFile(options.file, TaskDefinition, 'task')
        const task = await (await session.api()).json(Task, 'POST', await session.sitePath('/tasks'), {
          json: definition,
        })
        session.printer.item(task, (row) => row.id, columns)
      }),
    )

  tasks
    .command('update')
    .description('replace a task with a file: a new version')
    .argument('<task>')
    .requiredOption('-f, --file <path>', 'the task as a whole; - reads stdin')
    .action(
      action<{ file: string }>(async (session, [idOrName = ''], options) => {
        const definition = await readInputFile(options.file, TaskDefinition, 'task')
        const api = await session.api()
        const current = await findTask(session, api, idOrName)
        const task = await api.json(Task, 'PUT', await session.sitePath(`/tasks/${current.id}`), {
          json: definition,
        })
        session.printer.item(task, (row) => row.id, columns)
      }),
    )

  tasks
    .command('delete')
    .alias('rm')
    .description('delete a task (its runs stay)')
    .argument('<task>')
    .action(
      action(async (session, [idOrName = '']) => {
        const api = await session.api()
        const current = await findTask(session, api, idOrName)
        const task = await api.json(Task, 'DELETE', await session.sitePath(`/tasks/${current.id}`))
        session.printer.item(task, (row) => row.id, columns)
      }),
    )

  tasks
    .command('versions')
    .description('every version of a task')
    .argument('<task>')
    .action(
      action(async (session, [idOrName = '']) => {
        const api = await session.api()
        const task = await findTask(session, api, idOrName)
        const items = await versionsOf(session, api, task.id)
        session.printer.list({ items, next_cursor: null }, versionColumns, (version) =>
          String(version.version),
        )
      }),
    )

  tasks
    .command('diff')
    .description('what changed between two versions of a task (default: the last two)')
    .argument('<task>')
    .argument('[from]', 'the older version')
    .argument('[to]', 'the newer version (default: the latest)')
    .action(
      action(async (session, [idOrName = '', fromText, toText]) => {
        const api = await session.api()
        const task = await findTask(session, api, idOrName)
        const versions = await versionsOf(session, api, task.id)
        const to = toText === undefined ? task.version : Number(toText)
        const from = fromText === undefined ? to - 1 : Number(fromText)
        const pick = (number: number) => {
          const found = versions.find((version) => version.version === number)
          if (!found) throw new CliError(`task ${task.id} has no version ${number}`, EXIT.usage)
          return found
        }
        const older = pick(from)
        const newer = pick(to)
        const patch = createTwoFilesPatch(
          `version ${from}`,
          `version ${to}`,
          YAML.stringify(older.definition),
          YAML.stringify(newer.definition),
        )
        if (session.printer.format === 'json' || session.printer.format === 'yaml') {
          return session.printer.document({ from: older, to: newer, patch })
        }
        for (const line of patch.split('\n').slice(2)) {
          session.printer.line(
            line.startsWith('+')
              ? pc.green(line)
              : line.startsWith('-')
                ? pc.red(line)
                : line.startsWith('@@')
                  ? pc.cyan(line)
                  : line,
          )
        }
      }),
    )

  tasks
    .command('clone')
    .description('copy a task, under a new name')
    .argument('<task>')
    .option('--name <name>', 'the copy’s name (default: the platform’s "… (copy)")')
    .option('--label <key=value>', 'the copy’s labels; repeat for more', collect)
    .action(
      action<{ name?: string; label?: string[] }>(async (session, [idOrName = ''], options) => {
        const api = await session.api()
        const task = await findTask(session, api, idOrName)
        const body = parseInput(
          CloneTaskBody,
          {
            ...(options.name ? { name: options.name } : {}),
            ...(options.label ? { labels: keyValues(options.label, 'label') } : {}),
          },
          'clone',
        )
        const copy = await api.json(Task, 'POST', await session.sitePath(`/tasks/${task.id}/clone`), {
          json: body,
        })
        session.printer.item(copy, (row) => row.id, columns)
      }),
    )
}
