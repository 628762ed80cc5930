import type { Command } from 'commander'
import {
  CONNECTOR_RESOURCE_TYPES,
  Connector,
  ConnectorPage,
  type ConnectorResourceType,
  ConnectorSync,
  CreateConnectorBody,
  SyncConnectorBody,
  UpdateConnectorBody,
} from '../../schema/inventory/connectors'
import { action, examples } from '../action'
import { CliError, EXIT, parseInput } from '../errors'
import { readInputFile } from '../input-file'
import { inSite, pagedList, withPaging } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Column } from '../table'

const TYPE_HEADERS: Record<ConnectorResourceType, string> = {
  servers: 'SERVERS',
  load_balancers: 'LBS',
  databases: 'DATABASES',
  datacenters: 'DATACENTERS',
}

/** A type's standing in a cell: off, never synced, or its last sync's outcome and counts. */
const typeCell = (connector: Connector, type: ConnectorResourceType) => {
  const status = connector.resource_types[type]
  if (!status || status.interval_seconds === false) return 'off'
  const last = status.last_sync
  if (!last) return 'never'
  return last.status === 'succeeded'
    ? `ok +${last.created} ~${last.updated} -${last.retired}`
    : `FAILED (${last.errors.length})`
}

const columns: Column<Connector>[] = [
  { header: 'ID', value: (connector) => connector.id },
  { header: 'NAME', value: (connector) => connector.name },
  { header: 'PROVIDER', value: (connector) => connector.provider },
  { header: 'AGENT', value: (connector) => connector.agent_id },
  ...CONNECTOR_RESOURCE_TYPES.map((type) => ({
    header: TYPE_HEADERS[type],
    value: (connector: Connector) => typeCell(connector, type),
  })),
]

const syncColumns: Column<ConnectorSync>[] = [
  { header: 'STARTED', value: (sync) => sync.started_at },
  { header: 'TYPE', value: (sync) => sync.resource_type },
  { header: 'STATUS', value: (sync) => sync.status },
  { header: 'CREATED', value: (sync) => sync.created },
  { header: 'UPDATED', value: (sync) => sync.updated },
  { header: 'RETIRED', value: (sync) => sync.retired },
  { header: 'UNCHANGED', value: (sync) => sync.unchanged },
  { header: 'ERROR', value: (sync) => sync.errors[0]?.hint ?? sync.errors[0]?.message ?? '' },
]

interface SettingsOptions {
  name?: string
  agent?: string
  region?: string[]
  endpoint?: string
  secret?: string[]
  authUrl?: string
  project?: string
  projectId?: string
  username?: string
  interface?: string
  interval?: string[]
  file?: string
}

/** `--interval servers=600 --interval databases=off` as the API's intervals. */
const intervalsOf = (pairs: string[] | undefined) =>
  Object.fromEntries(
    Object.entries(keyValues(pairs, 'interval')).map(([type, value]) => [
      type,
      value === 'off' ? false : Number(value),
    ]),
  )

/** `--secret access_key_id=PROD_KEY` as `access_key_id_secret: 'PROD_KEY'`: names only, never values. */
const secretsOf = (pairs: string[] | undefined) =>
  Object.fromEntries(
    Object.entries(keyValues(pairs, 'secret')).map(([field, name]) => [`${field}_secret`, name]),
  )

const providerSettings = (provider: string, options: SettingsOptions) =>
  provider === 'aws'
    ? {
        aws: {
          regions: options.region ?? [],
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          ...secretsOf(options.secret),
        },
      }
    : {
        openstack: {
          auth_url: options.authUrl,
          ...(options.region?.[0] ? { region: options.region[0] } : {}),
          ...(options.project ? { project_name: options.project } : {}),
          ...(options.projectId ? { project_id: options.projectId } : {}),
          ...(options.username ? { username: options.username } : {}),
          ...(options.interface ? { interface: options.interface } : {}),
          ...secretsOf(options.secret),
        },
      }

const withSettings = (command: Command) =>
  command
    .option('--name <name>')
    .option('--agent <agent id>', 'the agent of the site that runs it')
    .option('--region <region>', 'an AWS region (repeat for more), or the OpenStack region', collect)
    .option('--endpoint <url>', 'AWS: another endpoint for every service (VPC endpoint, LocalStack)')
    .option(
      '--secret <field=NAME>',
      'the name of an agent secret for a credential field (access_key_id, secret_access_key, session_token, password, application_credential_id, application_credential_secret); repeat',
      collect,
    )
    .option('--auth-url <url>', 'OpenStack: the Keystone URL')
    .option('--project <name>', 'OpenStack: the project name')
    .option('--project-id <id>', 'OpenStack: the project id')
    .option('--username <name>', 'OpenStack: the user')
    .option('--interface <interface>', 'OpenStack: public, internal or admin endpoints')
    .option(
      '--interval <type=seconds|off>',
      `seconds between syncs of ${CONNECTOR_RESOURCE_TYPES.join(', ')}; repeat`,
      collect,
    )
    .option('-f, --file <path>', 'the body as YAML or JSON instead; - reads stdin')

export const registerInventoryConnectors = (inventory: Command) => {
  const connectors = inventory
    .command('connectors')
    .description(
      "the site's cloud connectors: an agent of the site reads AWS or OpenStack with credentials it holds, and keeps the inventory in step",
    )
    .addHelpText(
      'after',
      examples(
        'sitewire inventory connectors create --provider aws --name prod --agent 01J… --region eu-west-1',
        'sitewire inventory connectors list',
        'sitewire inventory connectors sync 01J… --type servers',
      ),
    )

  withSettings(
    connectors
      .command('create')
      .description('create a connector; credentials stay on the agent, named by --secret')
      .option('--provider <provider>', 'aws or openstack'),
  )
    .addHelpText(
      'after',
      examples(
        'sitewire inventory connectors create --provider aws --name prod --agent 01J… --region eu-west-1 --region us-east-1',
        'sitewire inventory connectors create --provider openstack --name private --agent 01J… --auth-url https://keystone:5000/v3 --project prod --username inventory --secret password=OS_PASSWORD --region RegionOne',
        'sitewire inventory connectors create -f connector.yaml',
      ),
    )
    .action(
      action<SettingsOptions & { provider?: string }>(async (session, _args, options) => {
        const body = options.file
          ? await readInputFile(options.file, CreateConnectorBody, 'connector')
          : parseInput(
              CreateConnectorBody,
              {
                name: options.name,
                provider: options.provider,
                agent_id: options.agent,
                ...providerSettings(options.provider ?? '', options),
                ...(options.interval ? { intervals: intervalsOf(options.interval) } : {}),
              },
              'connector',
            )
        const created = await (await session.api()).json(
          Connector,
          'POST',
          await session.sitePath('/inventory/connectors'),
          { json: body },
        )
        session.printer.item(created, (c) => c.id)
      }),
    )

  pagedList(
    connectors
      .command('list')
      .alias('ls')
      .description(
        "the site's connectors, each type's last sync: ok +created ~updated -retired, or FAILED (errors)",
      )
      .addHelpText(
        'after',
        examples('sitewire inventory connectors list', 'sitewire --json inventory connectors list'),
      ),
    ConnectorPage.entries.items.item,
    inSite('/inventory/connectors'),
    columns,
  )

  connectors
    .command('get')
    .description('one connector, with its last sync and next due time per type')
    .argument('<id>')
    .addHelpText('after', examples('sitewire inventory connectors get 01J…'))
    .action(
      action(async (session, [id]) => {
        const connector = await (await session.api()).get(
          Connector,
          await session.sitePath(`/inventory/connectors/${id}`),
        )
        session.printer.item(connector, (c) => c.id)
      }),
    )

  withSettings(
    connectors
      .command('update')
      .description('change a connector: what is given replaces its own')
      .argument('<id>'),
  )
    .addHelpText(
      'after',
      examples(
        'sitewire inventory connectors update 01J… --interval servers=600 --interval databases=off',
        'sitewire inventory connectors update 01J… --agent 01J…',
      ),
    )
    .action(
      action<SettingsOptions>(async (session, [id], options) => {
        const api = await session.api()
        const path = await session.sitePath(`/inventory/connectors/${id}`)
        let patch: UpdateConnectorBody
        if (options.file) patch = await readInputFile(options.file, UpdateConnectorBody, 'connector change')
        else {
          const current = await api.get(Connector, path)
          const settingsGiven =
            options.region || options.endpoint || options.secret || options.authUrl || options.project
          patch = parseInput(
            UpdateConnectorBody,
            {
              ...(options.name ? { name: options.name } : {}),
              ...(options.agent ? { agent_id: options.agent } : {}),
              ...(options.interval ? { intervals: intervalsOf(options.interval) } : {}),
              ...(settingsGiven
                ? providerSettings(current.provider, {
                    ...options,
                    region:
                      options.region ??
                      current.aws?.regions ??
                      (current.openstack?.region ? [current.openstack.region] : undefined),
                    authUrl: options.authUrl ?? current.openstack?.auth_url,
                  })
                : {}),
            },
            'connector change',
          )
        }
        session.printer.item(await api.json(Connector, 'PATCH', path, { json: patch }), (c) => c.id)
      }),
    )

  connectors
    .command('delete')
    .description('delete a connector; the entities it found stay')
    .argument('<id>')
    .addHelpText('after', examples('sitewire inventory connectors delete 01J…'))
    .action(
      action(async (session, [id]) => {
        const deleted = await (await session.api()).json(
          Connector,
          'DELETE',
          await session.sitePath(`/inventory/connectors/${id}`),
        )
        session.printer.note(`deleted ${deleted.name} (${deleted.id})`)
      }),
    )

  connectors
    .command('sync')
    .description('sync now: every type it reads, or those given with --type')
    .argument('<id>')
    .option('--type <type>', `one of ${CONNECTOR_RESOURCE_TYPES.join(', ')}; repeat`, collect)
    .addHelpText(
      'after',
      examples(
        'sitewire inventory connectors sync 01J…',
        'sitewire inventory connectors sync 01J… --type servers',
      ),
    )
    .action(
      action<{ type?: string[] }>(async (session, [id], options) => {
        const body = parseInput(
          SyncConnectorBody,
          options.type ? { resource_types: options.type } : {},
          'sync',
        )
        const connector = await (await session.api()).json(
          Connector,
          'POST',
          await session.sitePath(`/inventory/connectors/${id}/sync`),
          { json: body },
        )
        session.printer.note(
          `sync asked of ${connector.name}; see: sitewire inventory connectors syncs ${connector.id}`,
        )
      }),
    )

  withPaging(
    connectors
      .command('syncs')
      .description("a connector's syncs, newest first, with counts and the first error's hint")
      .argument('<id>')
      .addHelpText(
        'after',
        examples(
          'sitewire inventory connectors syncs 01J…',
          'sitewire inventory connectors syncs 01J… --all',
        ),
      ),
  ).action(
    action<{ limit?: string; cursor?: string; all?: boolean }>(async (session, [id], options) => {
      if (!id) throw new CliError('which connector?', EXIT.usage)
      const page = await (await session.api()).list(
        ConnectorSync,
        await session.sitePath(`/inventory/connectors/${id}/syncs`),
        { limit: options.limit, cursor: options.cursor },
        options.all ?? false,
      )
      session.printer.list(page, syncColumns, (sync) => String(sync.seq))
    }),
  )
}
