import type { Command } from 'commander'
import { AgentRollout, CreateRolloutBody } from '../../schema/api/agent-rollouts'
import { action, examples } from '../action'
import { parseInput } from '../errors'
import { inSite, pagedList } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Column } from '../table'

const columns: Column<AgentRollout>[] = [
  { header: 'ID', value: (rollout) => rollout.id },
  { header: 'VERSION', value: (rollout) => rollout.build.version },
  { header: 'STATUS', value: (rollout) => rollout.status },
  { header: 'BATCH', value: (rollout) => rollout.batch },
  {
    header: 'UPGRADED/FAILED/LEFT',
    value: (rollout) =>
      `${rollout.counts.upgraded}/${rollout.counts.failed}/${rollout.counts.waiting + rollout.counts.upgrading}`,
  },
  { header: 'CREATED', value: (rollout) => rollout.created_at },
]

type AgentRow = AgentRollout['agents'][number]
const agentColumns: Column<AgentRow>[] = [
  { header: 'AGENT', value: (agent) => agent.agent_id },
  { header: 'STATE', value: (agent) => agent.state },
  { header: 'BATCH', value: (agent) => agent.batch ?? '' },
  { header: 'REASON', value: (agent) => agent.reason ?? '' },
]

export const registerRollouts = (program: Command) => {
  const rollouts = program
    .command('rollouts')
    .alias('rollout')
    .description("upgrades (or downgrades) of the site's agents to an agent build, batch by batch")
    .addHelpText(
      'after',
      examples(
        'sitewire rollouts start 01J… --batch-size 5 --failure-budget 1 --selector role=web',
        'sitewire rollouts show 01J…',
        'sitewire rollouts pause 01J…',
      ),
    )

  rollouts
    .command('start')
    .description('send a build to the agents of the site (or those matching --selector)')
    .argument('<build>', 'the agent build id (sitewire agent-builds list)')
    .option('--selector <key=value>', 'only agents with this label; repeat for more', collect)
    .option('--batch-size <n>', 'agents upgraded at once (default 1)')
    .option('--failure-budget <n>', 'failed agents tolerated before it halts (default 0)')
    .option('--timeout <seconds>', 'how long an agent has to come back on the new version (default 300)')
    .option('--allow-unverified', 'send a build whose signature did not verify (agents refuse it)')
    .addHelpText('after', examples('sitewire rollouts start 01J… --batch-size 2 --timeout 120'))
    .action(
      action<{
        selector?: string[]
        batchSize?: string
        failureBudget?: string
        timeout?: string
        allowUnverified?: boolean
      }>(async (session, [buildId], options) => {
        const body = parseInput(
          CreateRolloutBody,
          {
            build_id: buildId,
            ...(options.selector ? { selector: keyValues(options.selector, 'selector') } : {}),
            ...(options.batchSize ? { batch_size: Number(options.batchSize) } : {}),
            ...(options.failureBudget ? { failure_budget: Number(options.failureBudget) } : {}),
            ...(options.timeout ? { timeout_seconds: Number(options.timeout) } : {}),
            ...(options.allowUnverified ? { allow_unverified: true } : {}),
          },
          'rollout',
        )
        const rollout = await (await session.api()).json(
          AgentRollout,
          'POST',
          await session.sitePath('/agent-rollouts'),
          { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
        )
        session.printer.item(rollout, (row) => row.id, columns)
      }),
    )

  pagedList(
    rollouts
      .command('list')
      .alias('ls')
      .description("the site's rollouts")
      .addHelpText('after', examples('sitewire rollouts list')),
    AgentRollout,
    inSite('/agent-rollouts'),
    columns,
  )

  rollouts
    .command('show')
    .description('a rollout and where each of its agents stands')
    .argument('<rollout>')
    .addHelpText('after', examples('sitewire rollouts show 01J…', 'sitewire --json rollouts show 01J…'))
    .action(
      action(async (session, [id]) => {
        const rollout = await (await session.api()).get(
          AgentRollout,
          await session.sitePath(`/agent-rollouts/${id}`),
        )
        session.printer.item(rollout, (row) => row.id, [
          ...columns,
          { header: 'REASON', value: (row) => row.reason ?? '' },
        ])
        if (session.printer.format === 'table')
          session.printer.list({ items: rollout.agents }, agentColumns, (row) => row.agent_id)
      }),
    )

  for (const [name, description] of [
    ['pause', 'start no next batch until resumed'],
    ['resume', 'go on with the next batch'],
    ['cancel', 'send the build to no more agents'],
  ] as const) {
    rollouts
      .command(name)
      .description(description)
      .argument('<rollout>')
      .addHelpText('after', examples(`sitewire rollouts ${name} 01J…`))
      .action(
        action(async (session, [id]) => {
          const rollout = await (await session.api()).json(
            AgentRollout,
            'POST',
            await session.sitePath(`/agent-rollouts/${id}/${name}`),
          )
          session.printer.item(rollout, (row) => row.id, columns)
        }),
      )
  }
}
