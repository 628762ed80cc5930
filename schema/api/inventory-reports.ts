import * as v from 'valibot'
import { Ulid } from '../common'
import { EntityKind } from '../inventory/kinds'
import { RelationType } from '../inventory/relations'

/**
 * A field of an entity a report reads, filters, sorts or groups by: a column of every entity,
 * or a path into its `attributes` or `custom_fields`.
 */
export const ReportField = v.pipe(
  v.string(),
  v.regex(
    /^(id|site_id|kind|name|team_id|active|restricted|stale|created_at|updated_at|last_seen_at|tags|(attributes|custom_fields)(\.[a-z0-9_]+)+)$/,
    'a field is id, site_id, kind, name, team_id, active, restricted, stale, created_at, updated_at, last_seen_at, tags, or attributes.… / custom_fields.…',
  ),
)

export const FILTER_OPS = ['contains', 'equals', 'after', 'before'] as const

/** `field:op:value`, e.g. `attributes.environment:equals:prod` or `created_at:after:2026-01-01`. */
export const ReportFilter = v.pipe(
  v.string(),
  v.maxLength(500),
  v.transform((text) => {
    const [field = '', op = '', ...rest] = text.split(':')
    return { field, op, value: rest.join(':') }
  }),
  v.object({
    field: ReportField,
    op: v.picklist(FILTER_OPS, 'the operator is contains, equals, after or before'),
    value: v.string(),
  }),
)
export type ReportFilter = v.InferOutput<typeof ReportFilter>

/** A query parameter given once or repeated, as a list. */
const many = <S extends v.GenericSchema<string, unknown>>(item: S) =>
  v.optional(
    v.pipe(
      v.union([v.string(), v.array(v.string())]),
      v.transform((value) => (Array.isArray(value) ? value : [value])),
      v.maxLength(20),
      v.array(item),
    ),
    [],
  )

const ReportFormat = v.optional(v.picklist(['json', 'csv', 'pdf']), 'json')

/** `GET /v1/inventory/reports/entities`: one kind across the sites the caller may read. */
export const EntityReportQuery = v.object({
  kind: EntityKind,
  site_id: v.optional(Ulid),
  columns: v.optional(
    v.pipe(
      v.string(),
      v.transform((text) => text.split(',').map((column) => column.trim())),
      v.minLength(1),
      v.maxLength(50),
      v.array(ReportField),
    ),
    'name,site_id,active',
  ),
  filter: many(ReportFilter),
  /** `true` (the default), `false` or `all`. */
  active: v.optional(v.picklist(['true', 'false', 'all']), 'true'),
  /** Entities with every one of these tags. */
  tag: many(v.string()),
  /** Entities with a relation of each of these types, either way. */
  related: many(RelationType),
  /** A field, `-field` for descending. */
  sort: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (sort) => v.is(ReportField, sort.replace(/^-/, '')),
        'sort by a field, or -field for descending',
      ),
    ),
  ),
  /** Counts per value of this field instead of rows. */
  group_by: v.optional(ReportField),
  format: ReportFormat,
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(10_000)), '1000'),
})
export type EntityReportQuery = v.InferOutput<typeof EntityReportQuery>

export const EntityReport = v.object({
  kind: EntityKind,
  columns: v.array(v.string()),
  rows: v.array(v.record(v.string(), v.unknown())),
  /** How many entities match, beyond `limit` too. */
  total: v.number(),
})
export type EntityReport = v.InferOutput<typeof EntityReport>

export const GroupedReport = v.object({
  kind: EntityKind,
  group_by: v.string(),
  groups: v.array(v.object({ value: v.unknown(), count: v.number() })),
})
export type GroupedReport = v.InferOutput<typeof GroupedReport>

/** A level's filter in a pivot: `level:field:op:value`, levels counted from 0. */
export const PivotFilter = v.pipe(
  v.string(),
  v.maxLength(500),
  v.transform((text) => {
    const [level = '', ...rest] = text.split(':')
    return { level: Number(level), filter: rest.join(':') }
  }),
  v.object({
    level: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(7)),
    filter: ReportFilter,
  }),
)

/**
 * `GET /v1/inventory/reports/pivot`: a chain of kinds joined by relation types, e.g.
 * `chain=client,owned_by,system,member_of,application,runs_on,server`.
 */
export const PivotQuery = v.object({
  chain: v.pipe(
    v.string(),
    v.transform((text) => text.split(',').map((part) => part.trim())),
    v.check(
      (parts) => parts.length >= 3 && parts.length % 2 === 1 && parts.length <= 15,
      'kind,relation,kind,… up to 8 kinds',
    ),
    v.check(
      (parts) => parts.every((part, i) => (i % 2 === 0 ? v.is(EntityKind, part) : v.is(RelationType, part))),
      'the chain alternates kinds and relation types',
    ),
  ),
  filter: many(PivotFilter),
  active: v.optional(v.picklist(['true', 'false', 'all']), 'true'),
})
export type PivotQuery = v.InferOutput<typeof PivotQuery>

export interface PivotNode {
  id: string
  site_id: string
  kind: EntityKind
  name: string
  children: PivotNode[]
}
/**
 * A node of a pivot, as documented: its children are nodes of the same shape, one level down
 * (described without recursion, which the OpenAPI tooling does not resolve).
 */
export const PivotNodeSchema = v.object({
  id: Ulid,
  site_id: Ulid,
  kind: EntityKind,
  name: v.string(),
  children: v.array(v.record(v.string(), v.unknown())),
})

export const PivotReport = v.object({
  chain: v.array(v.string()),
  /** How many entities each level holds in the tree. */
  counts: v.array(v.number()),
  roots: v.array(PivotNodeSchema),
})
export interface PivotReport {
  chain: string[]
  counts: number[]
  roots: PivotNode[]
}
