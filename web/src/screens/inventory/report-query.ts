import { ENTITY_KINDS, type EntityKind } from '../../../../schema/inventory/kinds'
import { RELATION_TYPES } from '../../../../schema/inventory/relations'

export type { EntityKind }
export { ENTITY_KINDS, RELATION_TYPES }

export const FILTER_OPS = ['contains', 'equals', 'after', 'before'] as const

/** One `field:op:value` filter as the form edits it. */
export interface FilterDraft {
  field: string
  op: (typeof FILTER_OPS)[number]
  value: string
}

/** A report on one kind, as the URL and the report API both say it. */
export interface ReportDraft {
  kind: EntityKind
  columns: string
  filters: FilterDraft[]
  active: 'true' | 'false' | 'all'
  tag: string
  related: string
  sort: string
  group_by: string
}

export const DEFAULT_COLUMNS = 'name,site_id,active,tags'

const isKind = (value: string): value is EntityKind => (ENTITY_KINDS as readonly string[]).includes(value)
const isOp = (value: string): value is FilterDraft['op'] => (FILTER_OPS as readonly string[]).includes(value)

/** The report the URL's query names; what it leaves out takes the API's defaults. */
export const reportFromSearch = (search: string): ReportDraft => {
  const params = new URLSearchParams(search)
  const kind = params.get('kind') ?? ''
  const active = params.get('active') ?? ''
  return {
    kind: isKind(kind) ? kind : 'server',
    columns: params.get('columns') || DEFAULT_COLUMNS,
    filters: params.getAll('filter').flatMap((text) => {
      const [field = '', op = '', ...rest] = text.split(':')
      return isOp(op) ? [{ field, op, value: rest.join(':') }] : []
    }),
    active: active === 'false' || active === 'all' ? active : 'true',
    tag: params.get('tag') ?? '',
    related: params.get('related') ?? '',
    sort: params.get('sort') ?? '',
    group_by: params.get('group_by') ?? '',
  }
}

const tags = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)

/**
 * The report's query string for the API (and the console's URL): repeated `filter`, `tag` and
 * `related`; `extra` adds `format`, `group_by` or `limit` for one call.
 */
export const reportSearch = (report: ReportDraft, extra: Record<string, string> = {}) => {
  const params = new URLSearchParams({ kind: report.kind, columns: report.columns, active: report.active })
  for (const f of report.filters) if (f.field) params.append('filter', `${f.field}:${f.op}:${f.value}`)
  for (const tag of tags(report.tag)) params.append('tag', tag)
  for (const type of tags(report.related)) params.append('related', type)
  if (report.sort) params.set('sort', report.sort)
  for (const [name, value] of Object.entries(extra)) params.set(name, value)
  return params.toString()
}

/** The report's columns, with the id and site the table needs to link each row to its entity. */
export const withLinkColumns = (report: ReportDraft): ReportDraft => {
  const columns = report.columns.split(',').map((c) => c.trim())
  for (const needed of ['id', 'site_id']) if (!columns.includes(needed)) columns.push(needed)
  return { ...report, columns: columns.join(',') }
}

/** A report cell as text: lists joined, objects as JSON, absent as a dash. */
export const cellText = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '—'
  if (Array.isArray(value)) return value.map((item) => cellText(item)).join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
