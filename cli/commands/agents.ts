import { type Command, Option } from 'commander'
import {
  Agent,
  CreatedEnrolmentToken,
  CreateEnrolmentTokenBody,
  DecideAgentBody,
  EnrolmentToken,
  RefreshedFacts,
} from '../../schema/api/agents'
import { action, examples } from '../action'
import { parseInput } from '../errors'
import { inSite, type PageOptions, pagedList, printPage, withPaging } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Column } from '../table'

const agentColumns: Column<Agent>[] = [
  { header: 'ID', value: (agent) => agent.id },
  { header: 'HOSTNAME', value: (agent) => agent.hostname },
  { header: 'STATUS', value: (agent) => agent.status },
  { header: 'PRESENCE', value: (agent) => agent.presence },
  { header: 'OS', value: (agent) => agent.facts.os?.distribution ?? agent.facts.os?.family },
  { header: 'LABELS', value: (agent) => agent.labels },
  { header: 'LAST SEEN', value: (agent) => agent.last_seen_at },
]

const tokenColumns: Column<EnrolmentToken>[] = [
  { header: 'ID', value: (token) => token.id },
  { header: 'USES', value: (token) => `${token.uses}/${token.max_uses}` },
  { header: 'EXPIRES', value: (token) => token.expires_at },
  { header: 'REVOKED', value: (token) => token.revoked_at },
  { header: 'LABELS', value: (token) => token.labels },
]

interface ListAgentsOptions extends PageOptions {
  status?: string
  presence?: string
  label?: string
  os?: string
  arch?: string
  hostname?: string
  allSites?: boolean
}

export const registerAgents = (program: Command) => {
  const agents = program
    .command('agents')
    .alias('agent')
    .description("a site's agents: list, show, facts, approve, reject, revoke")
    .addHelpText(
      'after',
      examples(
        'sitewire agents list --presence online',
        'sitewire agents list --all-sites --os linux --label role=web',
        'sitewire agents facts 01J…',
        'sitewire agents approve 01J…',
      ),
    )

  withPaging(
    agents
      .command('list')
      .alias('ls')
      .description("the site's agents, or with --all-sites the tenant's whole inventory")
      .addOption(new Option('--status <status>').choices(['pending', 'approved', 'rejected', 'revoked']))
      .addOption(new Option('--presence <presence>').choices(['online', 'offline']))
      .option('--label <key=value>', 'only agents with this label')
      .option('--all-sites', "every site's agents (from the inventory)")
      .option('--os <family>', 'with --all-sites: only this OS')
      .option('--arch <arch>', 'with --all-sites: only this architecture')
      .option('--hostname <name>', 'with --all-sites: only this host'),
  ).action(
    action<ListAgentsOptions>(async (session, _args, options) => {
      const query = { status: options.status, presence: options.presence, label: options.label }
      if (!options.allSites) return printPage(session, Agent, inSite('/agents'), query, options, agentColumns)
      const inventory = {
        ...query,
        os: options.os,
        arch: options.arch,
        hostname: options.hostname,
        site_id: session.options.site,
      }
      await printPage(session, Agent, '/v1/agents', inventory, options, agentColumns)
    }),
  )

  agents
    .command('show')
    .description('an agent: state, presence, labels')
    .argument('<agent>')
    .action(
      action(async (session, [id]) => {
        const agent = await (await session.api()).get(Agent, await session.sitePath(`/agents/${id}`))
        const { facts: _facts, ...rest } = agent
        session.printer.item(session.printer.format === 'table' ? rest : agent, (row) => row.id)
      }),
    )

  agents
    .command('facts')
    .description("an agent's latest facts: host, OS, CPU, memory, disks, addresses, services")
    .argument('<agent>')
    .action(
      action(async (session, [id]) => {
        const agent = await (await session.api()).get(Agent, await session.sitePath(`/agents/${id}`))
        session.printer.document(agent.facts)
      }),
    )

  for (const [verb, description] of [
    ['approve', 'admit a pending agent'],
    ['reject', 'refuse a pending agent'],
    ['revoke', 'cut an agent off at once; it is refused afterwards'],
  ] as const) {
    agents
      .command(verb)
      .description(description)
      .argument('<agent>')
      .option('--reason <text>', 'why, for the audit trail')
      .action(
        action<{ reason?: string }>(async (session, [id], options) => {
          const body = parseInput(
            DecideAgentBody,
            options.reason ? { reason: options.reason } : {},
            'decision',
          )
          const agent = await (await session.api()).json(
            Agent,
            'POST',
            await session.sitePath(`/agents/${id}/${verb}`),
            {
              json: body,
            },
          )
          session.printer.item(agent, (row) => row.id, agentColumns)
        }),
      )
  }

  agents
    .command('refresh-facts')
    .description('ask every connected agent of the site for its complete facts now')
    .action(
      action(async (session) => {
        const answer = await (await session.api()).json(
          RefreshedFacts,
          'POST',
          await session.sitePath('/agents/refresh-facts'),
        )
        session.printer.item(answer, (row) => String(row.agents))
      }),
    )

  const tokens = program
    .command('tokens')
    .alias('token')
    .description('enrolment tokens: an agent enrols with one (single use and 24 h unless told otherwise)')
    .addHelpText(
      'after',
      examples(
        'sitewire tokens create --label env=prod             # one agent, within 24 h',
        'sitewire tokens create --uses 50 --expires-in 3600   # 50 agents within an hour',
        'sitewire tokens revoke 01J…',
      ),
    )

  tokens
    .command('create')
    .description('create an enrolment token; the token is shown this once')
    .option('--uses <n>', 'how many agents may enrol with it', '1')
    .option('--expires-in <seconds>', 'how long it may be used (60 s to 30 days)', String(24 * 3600))
    .option('--label <key=value>', 'a label every agent enrolled with it gets; repeat for more', collect)
    .action(
      action<{ uses: string; expiresIn: string; label?: string[] }>(async (session, _args, options) => {
        const body = parseInput(
          CreateEnrolmentTokenBody,
          {
            max_uses: Number(options.uses),
            expires_in_seconds: Number(options.expiresIn),
            labels: keyValues(options.label, 'label'),
          },
          'enrolment token',
        )
        const created = await (await session.api()).json(
          CreatedEnrolmentToken,
          'POST',
          await session.sitePath('/enrolment-tokens'),
          { json: body },
        )
        session.printer.item(created, (row) => row.token ?? row.id)
        if (created.token) {
          const url = (await session.resolve()).url
          session.printer.note(
            `\nInstall and enrol an agent with it:\n  curl -fsSL ${url}/install/agent.sh | sh -s -- --token ${created.token}`,
          )
        }
      }),
    )

  pagedList(
    tokens
      .command('list')
      .alias('ls')
      .description("the site's enrolment tokens (never the tokens themselves)"),
    EnrolmentToken,
    inSite('/enrolment-tokens'),
    tokenColumns,
  )

  tokens
    .command('revoke')
    .description('revoke an enrolment token: no agent enrols with it afterwards')
    .argument('<token-id>')
    .action(
      action(async (session, [id]) => {
        const token = await (await session.api()).json(
          EnrolmentToken,
          'DELETE',
          await session.sitePath(`/enrolment-tokens/${id}`),
        )
        session.printer.item(token, (row) => row.id)
      }),
    )
}
