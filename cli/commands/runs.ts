import { writeFile } from 'node:fs/promises'
import { type Command, Option } from 'commander'
import {
  PreviewTargetsBody,
  RerunBody,
  Run,
  RunDetail,
  RunRecord,
  TargetPreview,
} from '../../schema/api/runs'
import { action, examples } from '../action'
import { parseInput } from '../errors'
import { inSite, type PageOptions, printPage, withPaging } from '../paged-list'
import { collect } from '../pairs'
import { exitCodeOf, RunFollower } from '../run-follower'
import { type RunOptions, runRequestOf, type TargetOptions, targetOf } from '../run-request'
import type { Session } from '../session'
import type { Column } from '../table'
import { findTask } from './tasks'

const runColumns: Column<Run>[] = [
  { header: 'ID', value: (run) => run.id },
  { header: 'TASK', value: (run) => `${run.task_name} v${run.task_version}` },
  { header: 'STATUS', value: (run) => run.status },
  {
    header: 'AGENTS',
    value: (run) =>
      `${run.agents.succeeded} ok, ${run.agents.failed} failed, ${run.agents.running + run.agents.waiting} to go`,
  },
  { header: 'BY', value: (run) => run.requested_by },
  { header: 'REQUESTED', value: (run) => run.requested_at },
]

const recordColumns: Column<RunRecord>[] = [
  { header: 'ID', value: (run) => run.id },
  { header: 'SITE', value: (run) => run.site_id },
  { header: 'TASK', value: (run) => `${run.task_name} v${run.task_version}` },
  { header: 'STATUS', value: (run) => run.status },
  { header: 'TRIGGER', value: (run) => run.trigger.kind },
  { header: 'REQUESTED', value: (run) => run.requested_at },
  { header: 'MS', value: (run) => run.duration_ms },
]

const withTargetOptions = (command: Command) =>
  command
    .option('--agent <id>', 'an agent to run on; repeat for more', collect)
    .option('--label <key=value>', 'agents with this label; repeat to require more', collect)
    .option('--os <family>', 'agents of this OS family, such as linux')
    .option('--arch <arch>', 'agents of this architecture, such as x86_64')
    .option('--hostname <name>', 'the agent on this host')

/** Follows a run to its end, prints how it went, and sets the exit code from its outcome. */
const followToEnd = async (session: Session, runId: string, agentId?: string) => {
  const api = await session.api()
  const follower = new RunFollower(api, await session.sitePath(), session.printer, {
    agentId,
    progress: session.printer.format === 'table',
  })
  const run = await follower.follow(runId)
  if (session.printer.format === 'json' || session.printer.format === 'yaml') {
    session.printer.item(run, (row) => row.id)
  } else {
    session.printer.note(follower.summary(run))
    if (run.status !== 'succeeded') {
      const detail = await api.get(RunDetail, await session.sitePath(`/runs/${runId}`))
      for (const line of follower.failures(detail)) session.printer.note(`  ${line}`)
    }
  }
  process.exitCode = exitCodeOf(run.status)
}

export const registerRuns = (program: Command) => {
  withTargetOptions(
    program
      .command('run')
      .description('run a task on agents, now or --at a time; --follow streams each agent’s output')
      .argument('<task>', 'the task, by id or exact name')
      .option('-p, --param <name=value>', 'a parameter; repeat for more', collect)
      .addOption(
        new Option('--strategy <mode>', 'all at once, or in batches').choices(['parallel', 'rolling']),
      )
      .option('--concurrency <n>', 'parallel: at most this many agents at a time')
      .option('--batch <n|n%>', 'rolling: agents per batch, a count or a percentage')
      .option('--failure <policy>', 'continue (default), stop, or budget:N / budget:N%')
      .option('--deadline <seconds>', 'longest the whole run may take (default 6 h)')
      .option('--at <time>', 'run at this RFC 3339 time rather than now')
      .option('--from-step <n>', 'start each agent at this step (0-based)')
      .option('-f, --follow', 'stream the output until the run ends; the exit code is its outcome'),
  )
    .addHelpText(
      'after',
      examples(
        'sitewire run "Restart web" --label role=web -p unit=nginx --follow',
        'sitewire run 01J… --agent 01J… --agent 01J… --strategy rolling --batch 25% --failure stop',
        'sitewire run backup --os linux --at 2026-12-01T02:00:00Z',
      ),
    )
    .action(
      action<RunOptions & { follow?: boolean }>(async (session, [idOrName = ''], options) => {
        const api = await session.api()
        const task = await findTask(session, api, idOrName)
        const body = runRequestOf(options, task.params)
        const run = await api.json(Run, 'POST', await session.sitePath(`/tasks/${task.id}/runs`), {
          json: body,
        })
        if (!options.follow) return session.printer.item(run, (row) => row.id, runColumns)
        session.printer.note(`run ${run.id} of ${task.name} v${run.task_version}: ${run.status}`)
        await followToEnd(session, run.id)
      }),
    )

  withTargetOptions(
    program
      .command('targets')
      .description('which approved agents a target matches, before running anything')
      .addHelpText('after', examples('sitewire targets --label role=web --os linux')),
  ).action(
    action<TargetOptions>(async (session, _args, options) => {
      const body = parseInput(PreviewTargetsBody, { target: targetOf(options) }, 'target')
      const preview = await (await session.api()).json(
        TargetPreview,
        'POST',
        await session.sitePath('/targets/preview'),
        {
          json: body,
        },
      )
      session.printer.list(
        { items: preview.items, next_cursor: null },
        [
          { header: 'ID', value: (agent) => agent.id },
          { header: 'HOSTNAME', value: (agent) => agent.hostname },
          { header: 'PRESENCE', value: (agent) => agent.presence },
          { header: 'LABELS', value: (agent) => agent.labels },
        ],
        (agent) => agent.id,
      )
    }),
  )

  const runs = program
    .command('runs')
    .description("runs of tasks: list, show, cancel, rerun; the site's, or the tenant's history")
    .addHelpText(
      'after',
      examples(
        'sitewire runs list --status failed',
        'sitewire runs show 01J…',
        'sitewire runs rerun 01J… --follow',
      ),
    )

  withPaging(
    runs
      .command('list')
      .alias('ls')
      .description("the site's runs, newest first; --all-sites searches the tenant's history")
      .option('--task <id>', 'runs of this task')
      .option('--status <status>', 'runs in this state')
      .option('--all-sites', "the tenant's run history across sites")
      .option('--agent <id>', 'with --all-sites: runs that reached this agent')
      .option('--since <time>', 'with --all-sites: requested at or after')
      .option('--until <time>', 'with --all-sites: requested before'),
  ).action(
    action<
      PageOptions & {
        task?: string
        status?: string
        allSites?: boolean
        agent?: string
        since?: string
        until?: string
      }
    >(async (session, _args, options) => {
      const query = { task_id: options.task, status: options.status }
      if (!options.allSites) return printPage(session, Run, inSite('/runs'), query, options, runColumns)
      const history = {
        ...query,
        site_id: session.options.site,
        agent_id: options.agent,
        since: options.since,
        until: options.until,
      }
      await printPage(session, RunRecord, '/v1/runs', history, options, recordColumns)
    }),
  )

  runs
    .command('show')
    .description('a run: its state, each agent’s, and each step’s outcome')
    .argument('<run>')
    .action(
      action(async (session, [id]) => {
        const detail = await (await session.api()).get(RunDetail, await session.sitePath(`/runs/${id}`))
        if (session.printer.format !== 'table') return session.printer.item(detail, (row) => row.id)
        const { steps, targets, ...run } = detail
        session.printer.item(run, (row) => row.id, [
          ...runColumns,
          { header: 'REASON', value: (row) => row.reason },
          { header: 'FINISHED', value: (row) => row.finished_at },
          { header: 'ARCHIVE', value: (row) => row.archive?.key },
        ])
        session.printer.line()
        session.printer.list(
          { items: steps, next_cursor: null },
          [
            { header: 'AGENT', value: (step) => step.agent_id },
            { header: 'STEP', value: (step) => `${step.index} ${step.name}` },
            { header: 'TRY', value: (step) => step.attempt },
            { header: 'OUTCOME', value: (step) => step.outcome ?? 'running' },
            { header: 'EXIT', value: (step) => step.exit_code },
            { header: 'MS', value: (step) => step.duration_ms },
            { header: 'LAST LINE', value: (step) => step.tail.at(-1)?.text },
          ],
          (step) => step.agent_id,
        )
        if (steps.length === 0)
          session.printer.note(`${targets.length} agents targeted; no step dispatched yet`)
      }),
    )

  runs
    .command('cancel')
    .description('cancel a run: agents kill the steps’ processes')
    .argument('<run>')
    .action(
      action(async (session, [id]) => {
        const run = await (await session.api()).json(
          Run,
          'POST',
          await session.sitePath(`/runs/${id}/cancel`),
        )
        session.printer.item(run, (row) => row.id, runColumns)
      }),
    )

  runs
    .command('rerun')
    .description('run a finished run again, on the agents that failed (or --every-agent)')
    .argument('<run>')
    .option('--every-agent', 'on every agent, not only those that failed')
    .option('--from-step <n>', 'start at this step (0-based)')
    .option('-f, --follow', 'stream the output until the new run ends')
    .action(
      action<{ everyAgent?: boolean; fromStep?: string; follow?: boolean }>(
        async (session, [id], options) => {
          const body = parseInput(
            RerunBody,
            {
              agents: options.everyAgent ? 'all' : 'failed',
              ...(options.fromStep ? { from_step: Number(options.fromStep) } : {}),
            },
            'rerun',
          )
          const run = await (await session.api()).json(
            Run,
            'POST',
            await session.sitePath(`/runs/${id}/rerun`),
            { json: body },
          )
          if (!options.follow) return session.printer.item(run, (row) => row.id, runColumns)
          await followToEnd(session, run.id)
        },
      ),
    )

  program
    .command('logs')
    .description("a run's output, live until it ends (or from its archive); --archive saves the .tar.gz")
    .argument('<run>')
    .option('--agent <id>', 'only this agent’s output')
    .option('--archive <file>', 'save the run’s log archive (.tar.gz) to this file instead')
    .addHelpText(
      'after',
      examples(
        'sitewire logs 01J…',
        'sitewire logs 01J… --agent 01J…',
        'sitewire logs 01J… --archive run.tar.gz',
      ),
    )
    .action(
      action<{ agent?: string; archive?: string }>(async (session, [id], options) => {
        const api = await session.api()
        if (options.archive) {
          const response = await api.send('GET', await session.sitePath(`/runs/${id}/archive`))
          const bytes = new Uint8Array(await response.arrayBuffer())
          await writeFile(options.archive, bytes)
          return session.printer.note(`saved ${bytes.length} bytes to ${options.archive}`)
        }
        await followToEnd(session, id ?? '', options.agent)
      }),
    )
}
