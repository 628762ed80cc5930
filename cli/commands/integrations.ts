import { type Command, Option } from 'commander'
import { IntegrationKind } from '../../schema/alerts/received-alert'
import {
  CreateIntegrationBody,
  CreateTenantIntegrationBody,
  Delivery,
  HookRefusalList,
  Integration,
  IntegrationWithSecret,
  TenantDelivery,
  UpdateIntegrationBody,
  UpdateTenantIntegrationBody,
} from '../../schema/api/alerts'
import { action, examples } from '../action'
import type { ApiClient } from '../api-client'
import { pc } from '../colours'
import { CliError, EXIT, parseInput } from '../errors'
import { readInputFile } from '../input-file'
import type { PageOptions } from '../paged-list'
import { printPage, withPaging } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Session } from '../session'
import type { Column } from '../table'

const columns: Column<Integration>[] = [
  { header: 'ID', value: (integration) => integration.id },
  { header: 'NAME', value: (integration) => integration.name },
  { header: 'KIND', value: (integration) => integration.kind },
  { header: 'SECRETS', value: (integration) => integration.secrets },
  { header: 'HOOK PATH', value: (integration) => integration.hook_path },
  { header: 'CREATED', value: (integration) => integration.created_at },
]

const routingText = (routing: NonNullable<Integration['routing']>) =>
  [
    `label ${routing.label}`,
    ...Object.entries(routing.sites).map(([value, site]) => `${value} → ${site}`),
    `fallback ${routing.fallback_site_id ?? 'none (unrouted)'}`,
  ].join('; ')

/** `--tenant-wide`: the tenant's integrations that belong to no site, instead of the chosen site's. */
interface Placement {
  tenantWide?: boolean
}

const TENANT_WIDE = '--tenant-wide'
const TENANT_WIDE_HELP = 'a tenant-wide integration (no site), whose alerts go to the sites their labels name'

/** The API path of the integrations of the chosen site, or the tenant's with `--tenant-wide`. */
const integrationsPath = async (session: Session, options: Placement, rest = '') =>
  options.tenantWide ? `/v1/integrations${rest}` : session.sitePath(`/integrations${rest}`)

/** The sender posts here: the platform's address the CLI talks to, and the hook's path. */
const hookUrl = (api: ApiClient, integration: Integration) =>
  new URL(integration.hook_path, api.url).toString()

const detailColumns = (api: ApiClient): Column<Integration>[] => [
  { header: 'id', value: (integration) => integration.id },
  { header: 'name', value: (integration) => integration.name },
  { header: 'kind', value: (integration) => integration.kind },
  {
    header: 'settings',
    value: (integration) => {
      const { kind: _kind, ...rest } = integration.settings
      return Object.keys(rest).length > 0 ? JSON.stringify(rest) : '-'
    },
  },
  { header: 'site', value: (integration) => integration.site_id ?? 'none: tenant-wide' },
  {
    header: 'routing',
    value: (integration) => (integration.routing ? routingText(integration.routing) : '-'),
  },
  { header: 'secrets', value: (integration) => integration.secrets },
  { header: 'hook url', value: (integration) => hookUrl(api, integration) },
  { header: 'created', value: (integration) => `${integration.created_at} by ${integration.created_by}` },
]

/**
 * An integration with its setup; with a secret just made, the secret (this once) and the setup
 * with it written in. `-q` prints only the secret, for scripts.
 */
const printIntegration = (
  session: Session,
  api: ApiClient,
  integration: IntegrationWithSecret | Integration,
) => {
  const secret = 'secret' in integration ? integration.secret : null
  const printer = session.printer
  if (printer.format === 'json' || printer.format === 'yaml')
    return printer.item(integration, (row) => row.id)
  if (printer.format === 'quiet') return printer.line(secret ?? integration.id)
  printer.item(integration, (row) => row.id, [
    ...detailColumns(api),
    ...(secret ? [{ header: 'secret', value: () => secret }] : []),
  ])
  const setup = secret ? integration.setup.text.replaceAll('<secret>', secret) : integration.setup.text
  printer.line()
  printer.line(
    pc.bold(`Sender setup (${integration.setup.format})${secret ? '' : ', the secret as <secret>'}:`),
  )
  printer.line(setup.trimEnd())
  if (secret)
    printer.note(
      pc.yellow('The secret is shown this once: copy it, or the setup above, into the sender now.'),
    )
}

interface CreateOptions extends Placement {
  file?: string
  routeLabel?: string
  route?: string[]
  fallbackSite?: string
  name?: string
  kind?: string
  hmac?: boolean
  timestampHeader?: string
  header?: string
  topicArn?: string[]
  audience?: string
  serviceAccountEmail?: string
  resolveAfter?: string
  fingerprintLabel?: string[]
  signing?: string
  unroute?: string[]
}

/** The settings of `--kind` from the options that kind takes; the API's schema checks the rest. */
const settingsOf = (options: CreateOptions) => {
  const fingerprint = options.fingerprintLabel ? { fingerprint_labels: options.fingerprintLabel } : {}
  switch (options.kind) {
    case 'grafana':
      return {
        kind: 'grafana',
        hmac: options.hmac ?? false,
        ...(options.timestampHeader ? { timestamp_header: options.timestampHeader } : {}),
      }
    case 'datadog':
      return { kind: 'datadog', ...(options.header ? { header: options.header } : {}), ...fingerprint }
    case 'sns':
      return { kind: 'sns', ...(options.topicArn ? { topic_arns: options.topicArn } : {}) }
    case 'gcp_pubsub':
      return {
        kind: 'gcp_pubsub',
        audience: options.audience,
        service_account_email: options.serviceAccountEmail,
      }
    case 'splunk':
      return {
        kind: 'splunk',
        ...(options.resolveAfter ? { resolve_after_seconds: Number(options.resolveAfter) } : {}),
        ...fingerprint,
      }
    case 'cloudevents':
      return { kind: 'cloudevents', ...fingerprint }
    case 'webhook':
      return { kind: 'webhook', signing: options.signing ?? 'standard_webhooks', ...fingerprint }
    default:
      return { kind: options.kind }
  }
}

/** `--route-label`, `--route value=site` and `--fallback-site`, for a tenant-wide integration. */
const routingOf = (options: CreateOptions) => ({
  ...(options.routeLabel ? { label: options.routeLabel } : {}),
  ...(options.route ? { sites: keyValues(options.route, 'route') } : {}),
  ...(options.fallbackSite ? { fallback_site_id: options.fallbackSite } : {}),
})

/**
 * `update`'s body: a name, settings rebuilt from `--kind` and its options, and the routing
 * changed where an option says so (`--route` adds or replaces a value, `--unroute` drops one,
 * `--fallback-site none` leaves alerts naming no site unrouted) and kept elsewhere.
 */
const updateBody = async (api: ApiClient, path: string, options: CreateOptions) => {
  const schema = options.tenantWide ? UpdateTenantIntegrationBody : UpdateIntegrationBody
  if (options.file) return readInputFile(options.file, schema, 'integration change')
  const routing = routingOf(options)
  const rerouted = Object.keys(routing).length > 0 || options.unroute !== undefined
  if (rerouted && !options.tenantWide)
    throw new CliError(`routing is for tenant-wide integrations: add ${TENANT_WIDE}`, EXIT.usage)
  let nextRouting: Integration['routing'] | undefined
  if (rerouted) {
    const current = (await api.get(Integration, path)).routing
    if (!current) throw new CliError('this integration has no routing: it belongs to a site', EXIT.usage)
    const sites = { ...current.sites, ...routing.sites }
    for (const value of options.unroute ?? []) delete sites[value]
    nextRouting = {
      label: routing.label ?? current.label,
      sites,
      fallback_site_id:
        options.fallbackSite === 'none' ? null : (routing.fallback_site_id ?? current.fallback_site_id),
    }
  }
  return parseInput(
    schema,
    {
      ...(options.name ? { name: options.name } : {}),
      ...(options.kind ? { settings: settingsOf(options) } : {}),
      ...(nextRouting ? { routing: nextRouting } : {}),
    },
    'integration change',
  )
}

const createBody = async (options: CreateOptions) => {
  const routing = routingOf(options)
  if (!options.tenantWide && Object.keys(routing).length > 0)
    throw new CliError(`routing is for tenant-wide integrations: add ${TENANT_WIDE}`, EXIT.usage)
  const schema = options.tenantWide ? CreateTenantIntegrationBody : CreateIntegrationBody
  if (options.file) return readInputFile(options.file, schema, 'integration')
  if (!options.name || !options.kind)
    throw new CliError('give --name and --kind, or a file with -f', EXIT.usage)
  return parseInput(
    schema,
    {
      name: options.name,
      settings: settingsOf(options),
      ...(options.tenantWide ? { routing } : {}),
    },
    'integration',
  )
}

export const registerIntegrations = (program: Command) => {
  const integrations = program
    .command('integrations')
    .alias('integration')
    .description('webhook endpoints monitoring tools deliver alerts to; each has its own secret')
    .addHelpText(
      'after',
      [
        examples(
          'sitewire integrations create --name prometheus --kind alertmanager',
          'sitewire integrations create --name grafana --kind grafana --hmac',
          'sitewire integrations deliveries 01J…',
          'sitewire integrations create --tenant-wide --name central --kind alertmanager --route par=01J… --fallback-site 01J…',
          'sitewire integrations update 01J… --tenant-wide --route lyon=01J… --unroute par',
          'sitewire integrations deliveries 01J… --tenant-wide --outcome unrouted',
        ),
        'An integration file (-f):',
        '  name: datadog-prod',
        '  settings: { kind: datadog, header: X-Sitewire-Token, fingerprint_labels: [host] }',
      ].join('\n'),
    )

  withPaging(
    integrations
      .command('list')
      .alias('ls')
      .description("the site's integrations, or the tenant's with --tenant-wide")
      .option(TENANT_WIDE, TENANT_WIDE_HELP),
  ).action(
    action<PageOptions & Placement>(async (session, _args, options) =>
      printPage(session, Integration, await integrationsPath(session, options), {}, options, columns),
    ),
  )

  integrations
    .command('get')
    .alias('show')
    .description('an integration: its hook URL and the setup to paste into its sender')
    .argument('<integration>')
    .option(TENANT_WIDE, TENANT_WIDE_HELP)
    .action(
      action<Placement>(async (session, [id], options) => {
        const api = await session.api()
        printIntegration(
          session,
          api,
          await api.get(Integration, await integrationsPath(session, options, `/${id}`)),
        )
      }),
    )

  /** The options that make an integration's name, settings and routing: create's, and update's. */
  const withIntegrationOptions = (command: Command) =>
    command
      .option('--name <name>')
      .addOption(new Option('--kind <kind>', 'the sender').choices(IntegrationKind.options))
      .option('--hmac', 'grafana: sign with HMAC instead of a bearer token')
      .option('--timestamp-header <header>', 'grafana with --hmac: the header carrying the signed timestamp')
      .option('--header <header>', 'datadog: the header that carries the secret (default X-Sitewire-Token)')
      .option('--topic-arn <arn>', 'sns: a topic accepted; repeat for more (default any)', collect)
      .option('--audience <audience>', "gcp_pubsub: the OIDC token's audience")
      .option('--service-account-email <email>', "gcp_pubsub: the push subscription's service account")
      .option('--resolve-after <seconds>', 'splunk: resolve an alert after this long without a delivery')
      .option(
        '--fingerprint-label <label>',
        'a label that tells alert series apart; repeat for more',
        collect,
      )
      .addOption(
        new Option('--signing <scheme>', 'webhook: how deliveries are signed').choices([
          'standard_webhooks',
          'github',
        ]),
      )
      .option('-f, --file <path>', 'the integration as YAML or JSON instead; - reads stdin')
      .option(TENANT_WIDE, TENANT_WIDE_HELP)
      .option('--route-label <label>', 'tenant-wide: the alert label that names the site (default site)')
      .option(
        '--route <value=site-id>',
        'tenant-wide: a label value and the site it means; repeat for more',
        collect,
      )
      .option(
        '--fallback-site <site-id>',
        'tenant-wide: where alerts naming no site go (default: left unrouted)',
      )

  withIntegrationOptions(
    integrations
      .command('create')
      .description('create an integration; its secret and the setup for its sender are printed this once'),
  ).action(
    action<CreateOptions>(async (session, _args, options) => {
      const body = await createBody(options)
      const api = await session.api()
      const created = await api.json(
        IntegrationWithSecret,
        'POST',
        await integrationsPath(session, options),
        {
          json: body,
        },
      )
      printIntegration(session, api, created)
    }),
  )

  withIntegrationOptions(
    integrations
      .command('update')
      .description(
        'rename an integration, give it new settings of its kind (--kind and its options), or change its routing',
      )
      .argument('<integration>'),
  )
    .option(
      '--unroute <value>',
      'tenant-wide: forget a label value given with --route; repeat for more',
      collect,
    )
    .action(
      action<CreateOptions>(async (session, [id], options) => {
        const api = await session.api()
        const path = await integrationsPath(session, options, `/${id}`)
        const body = await updateBody(api, path, options)
        printIntegration(session, api, await api.json(Integration, 'PATCH', path, { json: body }))
      }),
    )

  integrations
    .command('rotate-secret')
    .description('make a new secret, printed this once; the previous one stays valid until retired')
    .argument('<integration>')
    .option(TENANT_WIDE, TENANT_WIDE_HELP)
    .action(
      action<Placement>(async (session, [id], options) => {
        const api = await session.api()
        const rotated = await api.json(
          IntegrationWithSecret,
          'POST',
          await integrationsPath(session, options, `/${id}/rotate-secret`),
        )
        printIntegration(session, api, rotated)
      }),
    )

  for (const [verb, method, suffix, description] of [
    [
      'retire-secret',
      'POST',
      '/retire-secret',
      'after a rotation: only the newest secret is valid from now on',
    ],
    [
      'delete',
      'DELETE',
      '',
      'delete an integration: its endpoint answers 404; its alerts and deliveries stay',
    ],
  ] as const) {
    integrations
      .command(verb)
      .description(description)
      .argument('<integration>')
      .option(TENANT_WIDE, TENANT_WIDE_HELP)
      .action(
        action<Placement>(async (session, [id], options) => {
          const integration = await (await session.api()).json(
            Integration,
            method,
            await integrationsPath(session, options, `/${id}${suffix}`),
          )
          session.printer.item(integration, (row) => row.id, columns)
        }),
      )
  }

  // A site's deliveries and the tenant's read alike; the tenant's say where each alert went.
  const deliveryColumns: Column<Delivery | TenantDelivery>[] = [
    { header: 'ID', value: (delivery) => delivery.id },
    { header: 'RECEIVED', value: (delivery) => delivery.received_at },
    { header: 'FROM', value: (delivery) => delivery.source_address },
    { header: 'BYTES', value: (delivery) => (delivery.body ?? delivery.body_base64 ?? '').length },
    {
      header: 'ALERTS',
      value: (delivery) =>
        delivery.alerts.map((alert) => {
          const site = 'site_id' in alert && alert.site_id ? ` at ${alert.site_id}` : ''
          return `${alert.outcome} ${alert.alert_id ?? alert.fingerprint}${site}`
        }),
    },
  ]
  withPaging(
    integrations
      .command('deliveries')
      .description(
        "deliveries accepted and what each alert in them led to (--json: as they came); with --tenant-wide, newest first, with each alert's site",
      )
      .argument('<integration>')
      .option(TENANT_WIDE, TENANT_WIDE_HELP)
      .option(
        '--outcome <outcome>',
        'tenant-wide: only deliveries with an alert it led to (unrouted, pending, refused…)',
      ),
  ).action(
    action<PageOptions & Placement & { outcome?: string }>(async (session, [id], options) => {
      const path = await integrationsPath(session, options, `/${id}/deliveries`)
      if (options.outcome && !options.tenantWide)
        throw new CliError(`--outcome is for tenant-wide integrations: add ${TENANT_WIDE}`, EXIT.usage)
      return options.tenantWide
        ? printPage(
            session,
            TenantDelivery,
            path,
            options.outcome ? { outcome: options.outcome } : {},
            options,
            deliveryColumns,
          )
        : printPage(session, Delivery, path, {}, options, deliveryColumns)
    }),
  )

  integrations
    .command('refusals')
    .description('deliveries refused for their credentials, per source address and reason')
    .argument('<integration>')
    .option(TENANT_WIDE, TENANT_WIDE_HELP)
    .action(
      action<Placement>(async (session, [id], options) => {
        const refusals = await (await session.api()).get(
          HookRefusalList,
          await integrationsPath(session, options, `/${id}/refusals`),
        )
        session.printer.list(
          refusals,
          [
            { header: 'FROM', value: (refusal) => refusal.source_address },
            { header: 'REASON', value: (refusal) => refusal.reason },
            { header: 'COUNT', value: (refusal) => refusal.count },
            { header: 'LAST', value: (refusal) => refusal.last_at },
          ],
          (refusal) => `${refusal.source_address} ${refusal.reason}`,
        )
      }),
    )
}
