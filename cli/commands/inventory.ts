import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import * as v from 'valibot'
import {
  Entity,
  EntityChangeList,
  EntityDiff,
  EntityPage,
  EntityWritten,
  ImportReport,
  type InventoryWarning,
} from '../../schema/api/inventory'
import { EntityReport, GroupedReport } from '../../schema/api/inventory-reports'
import { StalenessSettings } from '../../schema/inventory/discovery'
import { EntityDefinition } from '../../schema/inventory/entity'
import { ENTITY_KINDS } from '../../schema/inventory/kinds'
import { action, examples } from '../action'
import { ApiFailure, CliError, EXIT, parseInput } from '../errors'
import { readInputFile } from '../input-file'
import { inSite, pagedList } from '../paged-list'
import { collect, keyValues } from '../pairs'
import type { Session } from '../session'
import type { Column } from '../table'
import { registerInventoryConnectors } from './inventory-connectors'
import { registerSavedReports } from './saved-reports'

const columns: Column<Entity>[] = [
  { header: 'ID', value: (entity) => entity.id },
  { header: 'KIND', value: (entity) => entity.kind },
  { header: 'NAME', value: (entity) => entity.name },
  { header: 'ACTIVE', value: (entity) => entity.active },
  { header: 'TAGS', value: (entity) => entity.tags.join(',') },
  { header: 'VERSION', value: (entity) => entity.version },
  { header: 'ACCESS', value: (entity) => entity.access },
]

/** A `--attr` value: JSON where it reads as JSON (`4096`, `true`, `["10.0.0.1"]`), text otherwise. */
const attributeValue = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const printWarnings = (session: Session, warnings: readonly InventoryWarning[]) => {
  for (const warning of warnings) session.printer.note(`warning: ${warning.message} (${warning.entity_id})`)
}

export const registerInventory = (program: Command) => {
  const inventory = program
    .command('inventory')
    .description(
      "the site's inventory: servers, applications, databases… their history, and reports across sites",
    )
    .addHelpText(
      'after',
      examples(
        'sitewire inventory list --kind server',
        'sitewire inventory create --kind server --name web-1 --attr hostname=web-1 --attr memory_mb=4096',
        'sitewire inventory history 01J… --at 2026-12-01T00:00:00Z',
        'sitewire inventory report --kind server --column name --column attributes.environment --format csv',
      ),
    )

  pagedList<Entity, { kind?: string; tag?: string; query?: string; inactive?: boolean }>(
    inventory
      .command('list')
      .alias('ls')
      .description("the site's entities the caller may read")
      .option('--kind <kind>', `one of ${ENTITY_KINDS.join(', ')}`)
      .option('--tag <tag>', 'with this tag')
      .option('-q, --query <text>', 'part of the name')
      .option('--inactive', 'deactivated ones instead')
      .addHelpText('after', examples('sitewire inventory list --kind database --tag prod')),
    EntityPage.entries.items.item,
    inSite('/inventory/entities'),
    columns,
    (options) => ({
      kind: options.kind,
      tag: options.tag,
      q: options.query,
      active: options.inactive ? 'false' : undefined,
    }),
  )

  registerInventoryConnectors(inventory)

  inventory
    .command('discovery-settings')
    .description(
      'the days before an entity no discovery source sees is stale, and inactive; sets them when given',
    )
    .option('--stale-days <days>', 'days unseen before it is marked stale')
    .option('--inactive-days <days>', 'days unseen before it is deactivated')
    .addHelpText(
      'after',
      examples(
        'sitewire inventory discovery-settings',
        'sitewire inventory discovery-settings --stale-days 3 --inactive-days 14',
      ),
    )
    .action(
      action<{ staleDays?: string; inactiveDays?: string }>(async (session, _args, options) => {
        const api = await session.api()
        const path = await session.sitePath('/inventory/discovery-settings')
        const current = await api.get(StalenessSettings, path)
        if (options.staleDays === undefined && options.inactiveDays === undefined)
          return session.printer.item(current, () => 'discovery-settings')
        const wanted = {
          stale_after_days:
            options.staleDays === undefined ? current.stale_after_days : Number(options.staleDays),
          inactive_after_days:
            options.inactiveDays === undefined ? current.inactive_after_days : Number(options.inactiveDays),
        }
        const settings = await api.json(StalenessSettings, 'PUT', path, {
          json: parseInput(StalenessSettings, wanted, 'discovery settings'),
        })
        session.printer.item(settings, () => 'discovery-settings')
      }),
    )

  inventory
    .command('show')
    .description('one entity')
    .argument('<id>')
    .addHelpText('after', examples('sitewire inventory show 01J…'))
    .action(
      action(async (session, [id]) => {
        const entity = await (await session.api()).get(
          Entity,
          await session.sitePath(`/inventory/entities/${id}`),
        )
        session.printer.item(entity, (e) => e.id)
      }),
    )

  inventory
    .command('create')
    .description('create an entity from options, or from a YAML or JSON file')
    .option('--kind <kind>', `one of ${ENTITY_KINDS.join(', ')}`)
    .option('--name <name>')
    .option('--attr <key=value>', 'one of the kind’s attributes; repeat for more', collect)
    .option('--tag <tag>', 'a tag; repeat for more', collect)
    .option('-f, --file <path>', 'the entity as YAML or JSON instead; - reads stdin')
    .addHelpText(
      'after',
      examples(
        'sitewire inventory create --kind database --name orders --attr engine=oracle --attr sid=ORD1',
        'sitewire inventory create -f server.yaml',
      ),
    )
    .action(
      action<{ kind?: string; name?: string; attr?: string[]; tag?: string[]; file?: string }>(
        async (session, _args, options) => {
          const definition = options.file
            ? await readInputFile(options.file, EntityDefinition, 'entity')
            : parseInput(
                EntityDefinition,
                {
                  kind: options.kind,
                  name: options.name,
                  attributes: Object.fromEntries(
                    Object.entries(keyValues(options.attr, 'attribute')).map(([key, text]) => [
                      key,
                      attributeValue(text),
                    ]),
                  ),
                  tags: options.tag ?? [],
                },
                'entity',
              )
          const written = await (await session.api()).json(
            EntityWritten,
            'POST',
            await session.sitePath('/inventory/entities'),
            { json: definition },
          )
          printWarnings(session, written.warnings)
          session.printer.item(written, (e) => e.id, columns)
        },
      ),
    )

  inventory
    .command('history')
    .description(
      "an entity's changes; with --at, the entity as it was then; with --from and --to, what changed",
    )
    .argument('<id>')
    .option('--at <time>', 'an instant such as 2026-12-01T00:00:00Z')
    .option('--from <time>')
    .option('--to <time>')
    .addHelpText(
      'after',
      examples(
        'sitewire inventory history 01J…',
        'sitewire inventory history 01J… --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z',
      ),
    )
    .action(
      action<{ at?: string; from?: string; to?: string }>(async (session, [id], options) => {
        const api = await session.api()
        const path = await session.sitePath(`/inventory/entities/${id}`)
        if (options.from || options.to) {
          if (!options.from || !options.to) throw new CliError('give both --from and --to', EXIT.usage)
          const diff = await api.get(EntityDiff, `${path}/diff`, { from: options.from, to: options.to })
          return session.printer.list(
            { items: diff.changes },
            [
              { header: 'FIELD', value: (change) => change.path },
              { header: 'BEFORE', value: (change) => change.before },
              { header: 'AFTER', value: (change) => change.after },
            ],
            (change) => change.path,
          )
        }
        if (options.at)
          return session.printer.item(
            await api.get(Entity, `${path}/history`, { at: options.at }),
            (e) => e.id,
          )
        const changes = await api.get(EntityChangeList, `${path}/history`)
        session.printer.list(
          changes,
          [
            { header: 'VERSION', value: (change) => change.version },
            { header: 'TIME', value: (change) => change.time },
            { header: 'TYPE', value: (change) => change.type },
            { header: 'BY', value: (change) => change.actor },
          ],
          (change) => String(change.seq),
        )
      }),
    )

  inventory
    .command('import')
    .description('create entities of one kind from a CSV file, reporting each line')
    .argument('<file>', 'a CSV file with a header row')
    .requiredOption('--kind <kind>', `one of ${ENTITY_KINDS.join(', ')}`)
    .option('--apply-valid', 'store the lines that pass even when others fail')
    .addHelpText('after', examples('sitewire inventory import servers.csv --kind server --apply-valid'))
    .action(
      action<{ kind: string; applyValid?: boolean }>(async (session, [file], options) => {
        const report = await (await session.api())
          .json(ImportReport, 'POST', await session.sitePath('/inventory/import'), {
            query: { kind: options.kind, apply: options.applyValid ? 'valid' : 'all' },
            body: await readFile(String(file), 'utf8'),
            headers: { 'content-type': 'text/csv' },
          })
          .catch((error: unknown) => {
            // A failed import carries its line report: shown as the table a passing one gets.
            const failed =
              error instanceof ApiFailure && error.code === 'import_failed'
                ? v.safeParse(ImportReport, error.rawDetails)
                : undefined
            if (!failed?.success) throw error
            printImportLines(session, failed.output)
            throw new CliError(error instanceof Error ? error.message : String(error))
          })
        printImportLines(session, report)
      }),
    )

  inventory
    .command('report')
    .description('a report on one kind across the sites the caller may read; CSV or PDF to stdout')
    .requiredOption('--kind <kind>', `one of ${ENTITY_KINDS.join(', ')}`)
    .option(
      '--column <field>',
      'a column (name, attributes.hostname, custom_fields.rack…); repeat for more',
      collect,
    )
    .option('--filter <field:op:value>', 'contains, equals, after or before; repeat for more', collect)
    .option('--tag <tag>', 'with this tag; repeat for more', collect)
    .option('--sort <field>', 'a field, -field for descending')
    .option('--group-by <field>', 'counts per value of this field instead of rows')
    .option('--format <format>', 'json (as a table), csv or pdf', 'json')
    .addHelpText(
      'after',
      examples(
        'sitewire inventory report --kind server --filter attributes.environment:equals:prod --sort -name',
        'sitewire inventory report --kind server --group-by attributes.environment',
        'sitewire inventory report --kind server --format pdf > servers.pdf',
      ),
    )
    .action(
      action<{
        kind: string
        column?: string[]
        filter?: string[]
        tag?: string[]
        sort?: string
        groupBy?: string
        format: string
      }>(async (session, _args, options) => {
        const params = new URLSearchParams({ kind: options.kind, format: options.format })
        if (options.column) params.set('columns', options.column.join(','))
        for (const filter of options.filter ?? []) params.append('filter', filter)
        for (const tag of options.tag ?? []) params.append('tag', tag)
        if (options.sort) params.set('sort', options.sort)
        if (options.groupBy) params.set('group_by', options.groupBy)
        const path = `/v1/inventory/reports/entities?${params}`
        const api = await session.api()
        if (options.format !== 'json' && !options.groupBy) {
          const response = await api.send('GET', path)
          process.stdout.write(new Uint8Array(await response.arrayBuffer()))
          return
        }
        const answer = await api.get(v.union([GroupedReport, EntityReport]), path)
        if ('groups' in answer)
          return session.printer.list(
            { items: answer.groups },
            [
              { header: answer.group_by.toUpperCase(), value: (group) => group.value },
              { header: 'COUNT', value: (group) => group.count },
            ],
            (group) => String(group.value),
          )
        session.printer.list(
          { items: answer.rows },
          answer.columns.map((column) => ({ header: column.toUpperCase(), value: (row) => row[column] })),
          (row) => String(row[answer.columns[0] ?? 'name']),
        )
      }),
    )

  registerSavedReports(inventory)
}

/** What became of each line of an import, one row per line. */
const printImportLines = (session: Session, report: v.InferOutput<typeof ImportReport>) =>
  session.printer.list(
    { items: report.lines },
    [
      { header: 'LINE', value: (line) => line.line },
      { header: 'STATUS', value: (line) => line.status },
      { header: 'ENTITY', value: (line) => line.entity_id },
      {
        header: 'ERRORS',
        value: (line) => line.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      },
      {
        header: 'WARNINGS',
        value: (line) => line.warnings.map((w) => w.message).join('; '),
      },
    ],
    (line) => String(line.line),
  )
