import type { Command } from 'commander'
import type * as v from 'valibot'
import { action } from './action'
import type { Query } from './api-client'
import type { Session } from './session'
import type { Column } from './table'

/** The options of every paged list: `--limit`, `--cursor` and `--all`. */
export interface PageOptions {
  limit?: string
  cursor?: string
  all?: boolean
}

/** Where a list is read: an API path, or one worked out from the session (the current site's). */
export type ListPath = string | ((session: Session) => Promise<string>)

/** A path under the current site, `/v1/sites/{site}` plus `rest`. */
export const inSite =
  (rest: string): ListPath =>
  (session) =>
    session.sitePath(rest)

/** Adds `--limit`, `--cursor` and `--all` to a list command. */
export const withPaging = (command: Command) =>
  command
    .option('--limit <n>', 'at most this many per page')
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')

/** Reads a page of a list (every page with `--all`) with `query`, and prints it as a table of `columns`. */
export const printPage = async <T extends { id: string }>(
  session: Session,
  schema: v.GenericSchema<unknown, T>,
  path: ListPath,
  query: Query,
  options: PageOptions,
  columns: readonly Column<T>[],
) => {
  const page = await (await session.api()).list(
    schema,
    typeof path === 'string' ? path : await path(session),
    { ...query, limit: options.limit, cursor: options.cursor },
    options.all ?? false,
  )
  session.printer.list(page, columns, (row) => row.id)
}

/**
 * Makes `command` a paged list of `path`: its items checked against `schema` and printed as
 * `columns`; `query` turns the command's own options into the API's filters.
 */
export const pagedList = <T extends { id: string }, O extends object = object>(
  command: Command,
  schema: v.GenericSchema<unknown, T>,
  path: ListPath,
  columns: readonly Column<T>[],
  query: (options: O, session: Session) => Query = () => ({}),
) =>
  withPaging(command).action(
    action<O & PageOptions>(async (session, _args, options) =>
      printPage(session, schema, path, query(options, session), options, columns),
    ),
  )
