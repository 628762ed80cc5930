import YAML from 'yaml'
import { pc } from './colours'
import { type Column, cellText, renderTable } from './table'

export type Format = 'table' | 'json' | 'yaml' | 'quiet'

/** Where output goes: tests and the REPL give their own streams. */
export interface Streams {
  out: NodeJS.WritableStream & { columns?: number }
  err: NodeJS.WritableStream
}

/**
 * Prints answers the way the caller asked: a table that fits the terminal, JSON or YAML of the
 * API's own body for scripts, or only ids. Notes for people go to stderr, so pipes get data only.
 */
export class Printer {
  constructor(
    readonly format: Format,
    readonly streams: Streams = { out: process.stdout, err: process.stderr },
  ) {}

  /** A terminal's width; piped output is never wrapped, so each row stays one line for grep. */
  get width() {
    const out = this.streams.out as { isTTY?: boolean; columns?: number }
    return out.isTTY ? (out.columns ?? 80) : Number.POSITIVE_INFINITY
  }

  line(text = '') {
    this.streams.out.write(`${text}\n`)
  }

  /** A note for a person; silent under --quiet, and on stderr so data stays clean. */
  note(text: string) {
    if (this.format !== 'quiet') this.streams.err.write(`${text}\n`)
  }

  /** Data for scripts in JSON or YAML; false when a person's format was asked for. */
  private structured(body: unknown) {
    if (this.format === 'json') this.line(JSON.stringify(body, null, 2))
    else if (this.format === 'yaml') this.streams.out.write(YAML.stringify(body))
    else return false
    return true
  }

  /** A list: `page` is the API's whole answer, `items` its rows; `nextPage` says how to ask for more. */
  list<T>(
    page: { items: readonly T[]; next_cursor?: string | null },
    columns: readonly Column<T>[],
    id: (row: T) => string,
    nextPage = (cursor: string) => `--cursor ${cursor}, or --all`,
  ) {
    if (this.structured(page)) return
    if (this.format === 'quiet') {
      for (const row of page.items) this.line(id(row))
      return
    }
    if (page.items.length === 0) this.note(pc.dim('(none)'))
    else this.line(renderTable(page.items, columns, this.width))
    if (page.next_cursor) this.note(pc.dim(`more: ${nextPage(page.next_cursor)}`))
  }

  /** One object: its fields as `name  value` lines, or only `fields` when given. */
  item<T extends object>(body: T, id: (row: T) => string, fields?: readonly Column<T>[]) {
    if (this.structured(body)) return
    if (this.format === 'quiet') return this.line(id(body))
    const rows: readonly Column<T>[] =
      fields ??
      Object.keys(body).map((key) => ({
        header: key,
        value: (row: T) => (row as Record<string, unknown>)[key],
      }))
    const pad = Math.max(...rows.map((row) => row.header.length))
    for (const row of rows) {
      const text = cellText(row.value(body))
      this.line(`${pc.bold(row.header.padEnd(pad))}  ${text.replaceAll('\n', `\n${' '.repeat(pad + 2)}`)}`)
    }
  }

  /** Something a person reads in YAML whatever the format (a task's steps, an agent's facts). */
  document(body: unknown) {
    if (this.structured(body)) return
    this.streams.out.write(YAML.stringify(body))
  }
}
