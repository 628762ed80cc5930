import Table from 'cli-table3'
import { pc } from './colours'

/** A column of a table: its header and how a row shows in it. */
export interface Column<T> {
  header: string
  value: (row: T) => unknown
}

/** Ids stay whole: a wrapped id cannot be copied. */
const keepsWidth = (header: string) => header === 'ID' || header.endsWith(' ID')

/** Each column's width plus its padding and border: what cli-table3 adds around a cell. */
const CELL_OVERHEAD = 3

/** Narrowest a shrinking column gets, so that a header and a status word never wrap. */
const MINIMUM_WIDTH = 10

/**
 * Shrinks the widest columns first until the whole table fits `available` characters. A
 * `fixed` column keeps its width and no column goes under its `minimums` entry, so a very
 * narrow terminal gets wrapped cells, or a table wider than the screen, never unreadable ones.
 */
export const fitWidths = (
  natural: readonly number[],
  available: number,
  fixed: readonly boolean[] = [],
  minimums: readonly number[] = [],
): number[] => {
  const widths = [...natural]
  fixed = natural.map((_, i) => fixed[i] ?? false)
  const total = () => widths.reduce((sum, width) => sum + width + CELL_OVERHEAD, 0)
  while (total() > available) {
    let widest = -1
    for (let i = 0; i < widths.length; i++) {
      if (fixed[i]) continue
      if (widest === -1 || (widths[i] ?? 0) > (widths[widest] ?? 0)) widest = i
    }
    if (widest === -1) break
    const width = widths[widest] ?? 0
    if (width <= (minimums[widest] ?? MINIMUM_WIDTH)) {
      fixed = fixed.map((value, i) => value || i === widest)
      continue
    }
    widths[widest] = width - 1
  }
  return widths
}

const STATUS_COLOURS: Record<string, (text: string) => string> = {
  succeeded: pc.green,
  online: pc.green,
  active: pc.green,
  approved: pc.green,
  failed: pc.red,
  offline: pc.dim,
  rejected: pc.red,
  revoked: pc.red,
  cancelled: pc.yellow,
  pending: pc.yellow,
  archived: pc.dim,
  disabled: pc.dim,
}

/** A value as a cell: labels as `k=v`, times without their milliseconds, nothing as `-`. */
export const cellText = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '-'
  if (typeof value === 'string') {
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value)) return value.replace(/\.\d+Z$/, 'Z')
    return value
  }
  if (Array.isArray(value)) return value.map(cellText).join(', ')
  if (typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.every(([, inner]) => typeof inner === 'string')) {
      return entries.map(([key, inner]) => `${key}=${inner}`).join(',') || '-'
    }
    return JSON.stringify(value)
  }
  return String(value)
}

const coloured = (text: string) => STATUS_COLOURS[text]?.(text) ?? text

/** Rows as a table that fits `width` columns of terminal. */
export const renderTable = <T>(rows: readonly T[], columns: readonly Column<T>[], width: number): string => {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))))
  const natural = columns.map((column, i) =>
    Math.max(
      column.header.length,
      ...cells.map((row) => Math.max(...(row[i] ?? '').split('\n').map((l) => l.length))),
    ),
  )
  const widths = fitWidths(
    natural,
    width,
    columns.map((column) => keepsWidth(column.header)),
    columns.map((column) => Math.max(column.header.length, MINIMUM_WIDTH)),
  ).map((w) => w + 2)
  const table = new Table({
    head: columns.map((column) => pc.bold(column.header)),
    colWidths: widths,
    wordWrap: true,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: ' ',
    },
  })
  for (const row of cells) table.push(row.map(coloured))
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}
