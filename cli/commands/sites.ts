import { type Command, Option } from 'commander'
import { CreateSiteBody, Site, SiteStatus, UpdateSiteBody } from '../../schema/api/sites'
import { action, examples } from '../action'
import { parseInput } from '../errors'
import { pagedList } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Column } from '../table'

const columns: Column<Site>[] = [
  { header: 'ID', value: (site) => site.id },
  { header: 'NAME', value: (site) => site.name },
  { header: 'STATUS', value: (site) => site.status },
  { header: 'TIMEZONE', value: (site) => site.timezone },
  { header: 'APPROVAL', value: (site) => site.agent_approval },
  { header: 'LABELS', value: (site) => site.labels },
]

interface SiteFields {
  name?: string
  description?: string
  label?: string[]
  timezone?: string
  approval?: string
  retention?: string
}

/** The fields given on the command line, as the API names them. */
const siteFields = (options: SiteFields) => ({
  ...(options.name !== undefined ? { name: options.name } : {}),
  ...(options.description !== undefined ? { description: options.description } : {}),
  ...(options.label ? { labels: keyValues(options.label, 'label') } : {}),
  ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
  ...(options.approval !== undefined ? { agent_approval: options.approval } : {}),
  ...(options.retention !== undefined ? { retention_days: Number(options.retention) } : {}),
})

const withSiteFields = (command: Command) =>
  command
    .option('--description <text>', 'what the site is')
    .option('--label <key=value>', 'a label; repeat for more (replaces all labels)', collect)
    .option('--timezone <zone>', 'IANA time zone, such as Europe/Paris')
    .addOption(
      new Option('--approval <mode>', 'how new agents are admitted').choices(['automatic', 'manual']),
    )
    .option('--retention <days>', "days a run's log archive is kept (1-3650)")

const siteId = (session: { site(): Promise<string> }, given: string | undefined) => given ?? session.site()

export const registerSites = (program: Command) => {
  const sites = program
    .command('sites')
    .alias('site')
    .description('sites: each has its own event log, agents, tasks and runs')
    .addHelpText(
      'after',
      examples(
        'sitewire sites create "Paris DC1" --timezone Europe/Paris --label env=prod',
        'sitewire sites list --label env=prod',
        'sitewire sites use 01J…   # later commands act on this site',
      ),
    )

  pagedList(
    sites
      .command('list')
      .alias('ls')
      .description('list sites')
      .addOption(new Option('--status <status>').choices(['active', 'archived']))
      .option('--label <key=value>', 'only sites with this label'),
    Site,
    '/v1/sites',
    columns,
    (options: { status?: string; label?: string }) => ({ status: options.status, label: options.label }),
  )

  sites
    .command('show')
    .description('a site (default: the current one)')
    .argument('[site]')
    .action(
      action(async (session, [given]) => {
        const id = await siteId(session, given)
        session.printer.item(await (await session.api()).get(Site, `/v1/sites/${id}`), (site) => site.id)
      }),
    )

  withSiteFields(
    sites
      .command('create')
      .description('create a site')
      .argument('<name>')
      .addHelpText(
        'after',
        examples('sitewire sites create "Paris DC1" --timezone Europe/Paris --approval manual'),
      ),
  ).action(
    action<SiteFields>(async (session, [name], options) => {
      const body = parseInput(CreateSiteBody, { ...siteFields(options), name }, 'site')
      const site = await (await session.api()).json(Site, 'POST', '/v1/sites', { json: body })
      session.printer.item(site, (row) => row.id)
    }),
  )

  withSiteFields(
    sites
      .command('update')
      .description('change a site')
      .argument('[site]')
      .option('--name <name>', 'a new name')
      .addHelpText('after', examples('sitewire sites update --approval manual --retention 90')),
  ).action(
    action<SiteFields>(async (session, [given], options) => {
      const body = parseInput(UpdateSiteBody, siteFields(options), 'site change')
      const id = await siteId(session, given)
      session.printer.item(
        await (await session.api()).json(Site, 'PATCH', `/v1/sites/${id}`, { json: body }),
        (row) => row.id,
      )
    }),
  )

  for (const [verb, description] of [
    ['archive', 'archive a site: it stays readable and refuses writes'],
    ['restore', 'restore an archived site'],
  ] as const) {
    sites
      .command(verb)
      .description(description)
      .argument('[site]')
      .action(
        action(async (session, [given]) => {
          const id = await siteId(session, given)
          session.printer.item(
            await (await session.api()).json(Site, 'POST', `/v1/sites/${id}/${verb}`),
            (row) => row.id,
          )
        }),
      )
  }

  sites
    .command('status')
    .description("where a site's log and its projection stand")
    .argument('[site]')
    .action(
      action(async (session, [given]) => {
        const id = await siteId(session, given)
        session.printer.item(
          await (await session.api()).get(SiteStatus, `/v1/sites/${id}/status`),
          (row) => row.site_id,
        )
      }),
    )

  sites
    .command('use')
    .description('make a site the default of the current context')
    .argument('<site>')
    .action(
      action(async (session, [id = '']) => {
        const site = await (await session.api()).get(Site, `/v1/sites/${id}`)
        const target = await session.resolve()
        const config = await session.readConfig()
        const context = target.contextName ? config.contexts[target.contextName] : undefined
        if (!target.contextName || !context) {
          session.printer.note(`No context to keep it in: export SITEWIRE_SITE=${site.id}`)
          return
        }
        context.site = site.id
        await session.writeConfig(config)
        session.printer.note(
          `Site "${site.name}" (${site.id}) is the default of context "${target.contextName}".`,
        )
      }),
    )
}
