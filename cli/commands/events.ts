import type { Command } from 'commander'
import { ulid } from 'ulid'
import * as v from 'valibot'
import { AppendResult, EventPage, IndexedEvent } from '../../schema/api/events'
import type { LoggedEvent } from '../../schema/events/cloudevent'
import { ExternalCloudEvent, MAX_BATCH_EVENTS } from '../../schema/events/cloudevent'
import { action, examples } from '../action'
import { pc } from '../colours'
import { CliError, EXIT, parseInput } from '../errors'
import { tailEvents } from '../event-tail'
import { parseDocument, readInputFile } from '../input-file'
import type { Column } from '../table'

const eventColumns: Column<LoggedEvent>[] = [
  { header: 'SEQ', value: (event) => event.seq },
  { header: 'TIME', value: (event) => event.time },
  { header: 'TYPE', value: (event) => event.type },
  { header: 'SUBJECT', value: (event) => event.subject },
  { header: 'DATA', value: (event) => (event.data === undefined ? undefined : JSON.stringify(event.data)) },
]

const indexedColumns: Column<v.InferOutput<typeof IndexedEvent>>[] = [
  { header: 'SITE', value: (event) => event.site_id },
  { header: 'SEQ', value: (event) => event.seq },
  { header: 'TIME', value: (event) => event.time },
  { header: 'TYPE', value: (event) => event.type },
  { header: 'SUBJECT', value: (event) => event.subject },
]

/** One event as a line of a live tail. */
const tailLine = (event: LoggedEvent) =>
  `${pc.dim(String(event.seq).padStart(6))} ${pc.dim(event.time)} ${pc.bold(event.type)}${event.subject ? ` ${event.subject}` : ''}${
    event.data === undefined ? '' : ` ${JSON.stringify(event.data)}`
  }`

const Batch = v.pipe(v.array(ExternalCloudEvent), v.minLength(1), v.maxLength(MAX_BATCH_EVENTS))

interface SendOptions {
  type?: string
  source?: string
  id?: string
  subject?: string
  data?: string
  file?: string
}

export const registerEvents = (program: Command) => {
  const events = program
    .command('events')
    .description("a site's CloudEvents log: list, tail live, send; or search across sites")
    .addHelpText(
      'after',
      examples(
        'sitewire events tail                       # from now on, until Ctrl-C',
        'sitewire events tail --after 0 --type io.sitewire.run.finished',
        'sitewire events send --type com.example.deploy.finished --source /ci --data \'{"ok":true}\'',
        'sitewire events list --after 100 --limit 50',
      ),
    )

  events
    .command('list')
    .alias('ls')
    .description("a page of the site's log after a seq; --all-sites searches the tenant's event index")
    .option('--after <seq>', 'events after this seq', '0')
    .option('--type <type>', 'only this type')
    .option('--limit <n>')
    .option('--all-sites', "the tenant's event index, across sites (without data)")
    .option('--subject <subject>', 'with --all-sites: only this subject')
    .option('--since <time>', 'with --all-sites: at or after this time')
    .option('--cursor <cursor>', 'with --all-sites: the page after this cursor')
    .action(
      action<{
        after: string
        type?: string
        limit?: string
        allSites?: boolean
        subject?: string
        since?: string
        cursor?: string
      }>(async (session, _args, options) => {
        const api = await session.api()
        if (options.allSites) {
          const page = await api.get(
            v.object({ items: v.array(IndexedEvent), next_cursor: v.nullable(v.string()) }),
            '/v1/events',
            {
              type: options.type,
              site_id: session.options.site,
              subject: options.subject,
              since: options.since,
              limit: options.limit,
              cursor: options.cursor,
            },
          )
          return session.printer.list(page, indexedColumns, (event) => event.id)
        }
        const page = await api.get(EventPage, await session.sitePath('/events'), {
          after: options.after,
          type: options.type,
          limit: options.limit,
        })
        // The log pages by seq: its next_cursor is the next page's --after.
        session.printer.list(
          page,
          eventColumns,
          (event) => String(event.seq),
          (cursor) => `--after ${cursor}`,
        )
      }),
    )

  events
    .command('tail')
    .description('stream the log live over a WebSocket, reconnecting without gaps; Ctrl-C stops')
    .option('--after <seq>', 'start after this seq (default: from now on)')
    .option('--type <type>', 'only this type')
    .option('--count <n>', 'stop after this many events')
    .action(
      action<{ after?: string; type?: string; count?: string }>(async (session, _args, options) => {
        const api = await session.api()
        const limit = options.count === undefined ? Number.POSITIVE_INFINITY : Number(options.count)
        let seen = 0
        const tail = tailEvents(
          api,
          await session.site(),
          { after: options.after === undefined ? undefined : Number(options.after), type: options.type },
          (event) => {
            if (seen >= limit) return
            seen++
            if (session.printer.format === 'json') session.printer.line(JSON.stringify(event))
            else if (session.printer.format === 'quiet') session.printer.line(String(event.seq))
            else if (session.printer.format === 'yaml') session.printer.document([event])
            else session.printer.line(tailLine(event))
            if (seen >= limit) tail.close()
          },
          (problems) => {
            session.printer.note(`skipped an event the CLI cannot read: ${problems.join('; ')}`)
          },
        )
        const stop = () => tail.close()
        process.once('SIGINT', stop)
        await tail.closed
        process.off('SIGINT', stop)
      }),
    )

  events
    .command('send')
    .description('append a CloudEvent (or a file of one or a batch) to the site’s log')
    .option('--type <type>', 'the event type, such as com.example.deploy.finished')
    .option('--source <source>', 'who sends it, such as /ci')
    .option('--id <id>', 'its id, unique per source (default: a new ULID)')
    .option('--subject <subject>', 'what it is about')
    .option('--data <json>', 'its data, as JSON')
    .option('-f, --file <path>', 'a YAML or JSON file of one event or a list; - reads stdin')
    .action(
      action<SendOptions>(async (session, _args, options) => {
        let events: v.InferOutput<typeof Batch>
        if (options.file) {
          const parsed = await readInputFile(options.file, v.union([Batch, ExternalCloudEvent]), 'events')
          events = Array.isArray(parsed) ? parsed : [parsed]
        } else {
          if (!options.type || !options.source) {
            throw new CliError('give --type and --source, or --file', EXIT.usage)
          }
          const event = {
            specversion: '1.0',
            id: options.id ?? ulid(),
            source: options.source,
            type: options.type,
            ...(options.subject ? { subject: options.subject } : {}),
            ...(options.data === undefined
              ? {}
              : { datacontenttype: 'application/json', data: parseDocument(options.data, '--data') }),
          }
          events = [parseInput(ExternalCloudEvent, event, 'event')]
        }
        const answer = await (await session.api()).json(
          AppendResult,
          'POST',
          await session.sitePath('/events'),
          {
            body: JSON.stringify(events),
            headers: { 'content-type': 'application/cloudevents-batch+json' },
          },
        )
        session.printer.list(
          answer,
          [
            { header: 'SEQ', value: (item) => item.seq },
            { header: 'ID', value: (item) => item.id },
            { header: 'SOURCE', value: (item) => item.source },
            { header: 'DUPLICATE', value: (item) => item.duplicate },
          ],
          (item) => String(item.seq),
        )
      }),
    )
}
