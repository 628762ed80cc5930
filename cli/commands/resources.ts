import type { Command } from 'commander'
import * as v from 'valibot'
import { Consumer, Resource, ResourceBundle, StatusHistoryEntry } from '../../schema/api/resources'
import { Labels } from '../../schema/common'
import { ConsumerName } from '../../schema/resources/consumer'
import { Manifest } from '../../schema/resources/manifest'
import {
  DeleteOption,
  FeedbackRule,
  ManifestConfig,
  Manifests,
  UpdateStrategy,
} from '../../schema/resources/resource'
import { action, examples } from '../action'
import type { ApiClient } from '../api-client'
import { CliError, EXIT } from '../errors'
import { readInputFile } from '../input-file'
import { inSite, pagedList } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Session } from '../session'
import type { Column } from '../table'

/** One resource of an `apply -f` file: named within its consumer, a single manifest or a bundle. */
const AppliedResource = v.pipe(
  v.strictObject({
    consumer: ConsumerName,
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
    manifest: v.optional(Manifest),
    manifests: v.optional(Manifests),
    manifest_configs: v.optional(v.array(ManifestConfig)),
    update_strategy: v.optional(UpdateStrategy),
    feedback_rules: v.optional(v.array(FeedbackRule)),
    delete_option: v.optional(DeleteOption),
    labels: v.optional(Labels),
  }),
  v.check((r) => (r.manifest === undefined) !== (r.manifests === undefined), 'give manifest or manifests'),
)
type AppliedResource = v.InferOutput<typeof AppliedResource>

/** An `apply -f` file: one resource, a list of them, or `{ resources: [...] }`. */
const ApplyFile = v.union([
  v.pipe(
    AppliedResource,
    v.transform((r) => [r]),
  ),
  v.array(AppliedResource),
  v.pipe(
    v.strictObject({ resources: v.array(AppliedResource) }),
    v.transform((file) => file.resources),
  ),
])

const conditionsOf = (resource: Resource | ResourceBundle) =>
  resource.status
    .flatMap((status) =>
      status.conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`),
    )
    .join(' ')

const columns: Column<Resource>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'CONSUMER', value: (r) => r.consumer_name },
  { header: 'KIND', value: (r) => r.manifest.kind },
  { header: 'VERSION', value: (r) => r.version },
  { header: 'STATUS', value: (r) => (r.deleting ? 'deleting' : conditionsOf(r)) },
]

const historyColumns: Column<StatusHistoryEntry>[] = [
  { header: 'AT', value: (e) => e.reported_at },
  { header: 'AGENT', value: (e) => e.agent_id },
  { header: 'VERSION', value: (e) => e.observed_version },
  {
    header: 'CONDITIONS',
    value: (e) => e.conditions.map((c) => `${c.type}=${c.status} ${c.reason}`).join(', '),
  },
  { header: 'FEEDBACK', value: (e) => e.feedback },
]

/** The body of a create or a change from an applied resource; bundles use the bundle routes. */
const bodyOf = (r: AppliedResource) =>
  r.manifest
    ? {
        manifest: r.manifest,
        ...(r.update_strategy ? { update_strategy: r.update_strategy } : {}),
        ...(r.feedback_rules ? { feedback_rules: r.feedback_rules } : {}),
        ...(r.delete_option ? { delete_option: r.delete_option } : {}),
        ...(r.labels ? { labels: r.labels } : {}),
      }
    : {
        manifests: r.manifests,
        ...(r.manifest_configs ? { manifest_configs: r.manifest_configs } : {}),
        ...(r.delete_option ? { delete_option: r.delete_option } : {}),
        ...(r.labels ? { labels: r.labels } : {}),
      }

const consumerNamed = async (session: Session, api: ApiClient, name: string) => {
  const consumers = await api.list(Consumer, await session.sitePath('/consumers'), {}, true)
  const found = consumers.items.find((consumer) => consumer.name === name)
  if (!found)
    throw new CliError(`no consumer named ${name} in this site`, EXIT.usage, [
      `create it: sitewire resources consumers create ${name}`,
    ])
  return found
}

/** Creates each resource of the file, or changes the one of that name to match it (naming the version it replaces). */
const apply = async (session: Session, api: ApiClient, r: AppliedResource) => {
  const consumer = await consumerNamed(session, api, r.consumer)
  const bundle = r.manifests !== undefined
  const path = await session.sitePath(bundle ? '/resource-bundles' : '/resources')
  const schema = bundle ? ResourceBundle : Resource
  const existing = (await api.list(schema, path, { consumer_id: consumer.id }, true)).items.find(
    (item) => item.name === r.name,
  )
  if (!existing)
    return {
      verb: 'created',
      item: await api.json(schema, 'POST', path, {
        json: { consumer_id: consumer.id, name: r.name, ...bodyOf(r) },
      }),
    }
  const changed = await api.json(schema, 'PATCH', `${path}/${existing.id}`, {
    json: { version: existing.version, ...bodyOf(r) },
  })
  return { verb: changed.version === existing.version ? 'unchanged' : 'changed', item: changed }
}

export const registerResources = (program: Command) => {
  const resources = program
    .command('resources')
    .alias('resource')
    .description('desired state kept true by agents: files, directories, processes, checks, and other kinds')
    .addHelpText(
      'after',
      [
        examples(
          'sitewire resources consumers create web --selector role=web',
          'sitewire resources apply -f motd.yaml',
          'sitewire resources get',
          'sitewire resources describe 01J…',
        ),
        'A resource file (-f), one resource or a list:',
        '  consumer: web',
        '  name: motd',
        '  manifest: { kind: File, path: /etc/motd, content: "hello\\n", mode: "0644" }',
        '  update_strategy: Update',
        '  feedback_rules: [{ name: sha256, path: .sha256 }]',
      ].join('\n'),
    )

  resources
    .command('apply')
    .description('create each resource of a file, or change the one of that name in its consumer to match')
    .requiredOption('-f, --file <path>', 'resources as YAML or JSON; - reads stdin')
    .action(
      action<{ file: string }>(async (session, _args, options) => {
        const api = await session.api()
        for (const r of await readInputFile(options.file, ApplyFile, 'resources')) {
          const { verb, item } = await apply(session, api, r)
          session.printer.line(`${r.consumer}/${r.name} ${verb} (${item.id}, version ${item.version})`)
        }
      }),
    )

  pagedList(
    resources.command('get').alias('list').description("the site's resources"),
    Resource,
    inSite('/resources'),
    columns,
  )

  resources
    .command('describe')
    .description('a resource, what each agent last reported, and its status history')
    .argument('<resource>')
    .action(
      action(async (session, [id]) => {
        const api = await session.api()
        const path = await session.sitePath(`/resources/${id}`)
        const resource = await api.get(Resource, path)
        const history = await api.list(StatusHistoryEntry, `${path}/status-history`, { limit: '20' }, false)
        const { printer } = session
        if (printer.format === 'json' || printer.format === 'yaml')
          return printer.document({ resource, history })
        printer.document(resource)
        printer.line()
        printer.list(history, historyColumns, (entry) => String(entry.seq))
      }),
    )

  resources
    .command('delete')
    .description('delete a resource: Foreground removes it from the hosts, Orphan leaves it there')
    .argument('<resource>')
    .action(
      action(async (session, [id]) => {
        const resource = await (await session.api()).json(
          Resource,
          'DELETE',
          await session.sitePath(`/resources/${id}`),
        )
        session.printer.item(resource, (row) => row.id, columns)
      }),
    )

  const consumers = resources
    .command('consumers')
    .description('who receives resources: an agent, or agents by labels')
  pagedList(
    consumers.command('list').alias('ls').description("the site's consumers"),
    Consumer,
    inSite('/consumers'),
    [
      { header: 'ID', value: (c: Consumer) => c.id },
      { header: 'NAME', value: (c: Consumer) => c.name },
      { header: 'AGENT', value: (c: Consumer) => c.agent_id },
      { header: 'SELECTOR', value: (c: Consumer) => c.selector ?? { consumer: c.name } },
    ],
  )
  consumers
    .command('create')
    .description(
      'a consumer: one agent (--agent), agents by labels (--selector), else those labelled consumer=<name>',
    )
    .argument('<name>')
    .option('--agent <id>', 'the one agent it names')
    .option('--selector <key=value>', 'agents with this label; repeat to require more', collect)
    .action(
      action<{ agent?: string; selector?: string[] }>(async (session, [name], options) => {
        const selector = options.selector ? keyValues(options.selector, 'selector') : null
        const consumer = await (await session.api()).json(
          Consumer,
          'POST',
          await session.sitePath('/consumers'),
          {
            json: { name, agent_id: options.agent ?? null, selector },
          },
        )
        session.printer.item(consumer, (row) => row.id, [
          { header: 'ID', value: (c: Consumer) => c.id },
          { header: 'NAME', value: (c: Consumer) => c.name },
        ])
      }),
    )
}
