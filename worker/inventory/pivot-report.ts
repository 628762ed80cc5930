import { and, eq, type SQL, sql } from 'drizzle-orm'
import type { PivotNode, PivotQuery, PivotReport, ReportFilter } from '../../schema/api/inventory-reports'
import { inventoryEntities as e, inventoryRelations as r } from '../../schema/db/projections'
import type { EntityKind } from '../../schema/inventory/kinds'
import { RELATION_RULES, type RelationType } from '../../schema/inventory/relations'
import type { Principal } from '../access/principal'
import { apiError } from '../http/errors'
import type { ProjectionsDb } from '../projections/database'
import { activeSql, filterSql, readableEntities } from './report-sql'

/** A pivot reads at most this many entities per level. */
const LEVEL_LIMIT = 20_000

interface Level {
  kind: EntityKind
  filters: ReportFilter[]
}

interface Step {
  type: RelationType
  /** Whether the previous level's entities are the relations' sources. */
  forward: boolean
}

/** Which way a relation type joins two kinds of the chain; 400 when it joins them neither way. */
const stepOf = (type: RelationType, from: EntityKind, to: EntityKind): Step => {
  const rule = RELATION_RULES[type]
  if (rule.from.includes(from) && rule.to.includes(to)) return { type, forward: true }
  if (rule.from.includes(to) && rule.to.includes(from)) return { type, forward: false }
  throw apiError(400, 'relation_not_allowed', `${type} does not join ${from} and ${to}`, [
    { path: 'chain', message: `${type} does not join ${from} and ${to}` },
  ])
}

/** The levels and steps of a pivot's chain; 400 when a relation joins its two kinds neither way. */
export const pivotPlan = (query: PivotQuery) => {
  const kinds = query.chain.filter((_, i) => i % 2 === 0) as EntityKind[]
  const levels: Level[] = kinds.map((kind, i) => ({
    kind,
    filters: query.filter.filter((f) => f.level === i).map((f) => f.filter),
  }))
  if (query.filter.some((f) => f.level >= levels.length))
    throw apiError(400, 'validation_failed', 'invalid query', [
      { path: 'filter', message: 'a filter names a level the chain does not have' },
    ])
  const steps = query.chain
    .filter((_, i) => i % 2 === 1)
    .map((type, i) => stepOf(type as RelationType, kinds[i] as EntityKind, kinds[i + 1] as EntityKind))
  return { query, levels, steps }
}
export type PivotPlan = ReturnType<typeof pivotPlan>

/** One level's rows as the pivot reads them: the entity, and the one above it related to it. */
export interface LevelRow {
  level: number
  above: string | null
  id: string
  site_id: string
  kind: EntityKind
  name: string
}

/**
 * The whole pivot as one statement, so a request costs one round trip to libSQL whatever the
 * chain's length: each level is a materialised CTE of the entities related to the distinct ids of
 * the level above. CROSS JOINs keep SQLite's planner starting from those ids and their relations'
 * indexes rather than walking every entity of the kind.
 */
export const pivotSql = (principal: Principal, { query, levels, steps }: PivotPlan): SQL => {
  const where = (level: Level, ...more: SQL[]) =>
    and(
      ...more,
      readableEntities(principal),
      eq(e.kind, level.kind),
      activeSql(query.active),
      ...level.filters.map(filterSql),
    )
  const ctes = levels.map((level, i) => {
    const name = sql.identifier(`l${i}`)
    const step = steps[i - 1]
    if (!step)
      return sql`${name} as materialized (select null as above, ${e.id} as id, ${e.siteId} as site_id, ${e.kind} as kind, ${e.name} as name from ${e} where ${where(level)} order by ${e.name}, ${e.id} limit ${LEVEL_LIMIT})`
    const near = step.forward ? r.fromId : r.toId
    const far = step.forward ? r.toId : r.fromId
    return sql`${name} as materialized (select p.id as above, ${e.id} as id, ${e.siteId} as site_id, ${e.kind} as kind, ${e.name} as name from (select distinct id from ${sql.identifier(`l${i - 1}`)}) as p cross join ${r} cross join ${e} where ${where(level, sql`${near} = p.id`, sql`${e.id} = ${far}`, eq(r.removed, false), sql`${r.type} = ${step.type}`)})`
  })
  const union = sql.join(
    levels.map(
      (_, i) => sql`select ${i} as level, above, id, site_id, kind, name from ${sql.identifier(`l${i}`)}`,
    ),
    sql` union all `,
  )
  return sql`with ${sql.join(ctes, sql`, `)} ${union} order by level, name, id`
}

/**
 * The pivot's tree from its rows: each level the entities of its kind related to the level
 * above. Where a deeper level is filtered, branches that reach none of its entities are left out.
 */
export const pivotTree = ({ query, levels }: PivotPlan, rows: readonly LevelRow[]): PivotReport => {
  const nodes = levels.map(() => new Map<string, PivotNode>())
  for (const { level, above, ...row } of rows) {
    const here = nodes[level] as Map<string, PivotNode>
    const node = here.get(row.id) ?? { ...row, children: [] }
    here.set(row.id, node)
    if (above !== null) nodes[level - 1]?.get(above)?.children.push(node)
  }
  const deepestFiltered = Math.max(-1, ...query.filter.map((f) => f.level))
  const keep = (node: PivotNode, depth: number): PivotNode | undefined => {
    const children = node.children.flatMap((child) => keep(child, depth + 1) ?? [])
    if (depth < deepestFiltered && children.length === 0) return undefined
    return { ...node, children }
  }
  const roots = [...(nodes[0]?.values() ?? [])].flatMap((node) => keep(node, 0) ?? [])
  const seen = levels.map(() => new Set<string>())
  const count = (node: PivotNode, depth: number) => {
    seen[depth]?.add(node.id)
    for (const child of node.children) count(child, depth + 1)
  }
  for (const root of roots) count(root, 0)
  return { chain: query.chain, counts: seen.map((ids) => ids.size), roots }
}

/**
 * A pivot along a chain of relations, e.g. client → system → application → server, holding only
 * the entities the caller may read.
 */
export const pivotReport = async (db: ProjectionsDb, principal: Principal, plan: PivotPlan) =>
  pivotTree(plan, plan.levels.length === 0 ? [] : await db.all<LevelRow>(pivotSql(principal, plan)))
