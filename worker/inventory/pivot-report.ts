import { and, eq, inArray, type SQL, sql } from 'drizzle-orm'
import type { PivotNode, PivotQuery, PivotReport, ReportFilter } from '../../schema/api/inventory-reports'
import { inventoryEntities as e, inventoryRelations as r } from '../../schema/db/projections'
import type { EntityKind } from '../../schema/inventory/kinds'
import { RELATION_RULES, type RelationType } from '../../schema/inventory/relations'
import type { Principal } from '../access/principal'
import { apiError } from '../http/errors'
import type { ProjectionsDb } from '../projections/database'
import { activeSql, filterSql, readableEntities } from './report-sql'

/** Ids are looked up in chunks that stay well under SQLite's bound-variable limit. */
const CHUNK = 400
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

const chunks = <T>(items: readonly T[]) =>
  Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK))

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

/**
 * A pivot along a chain of relations, e.g. client → system → application → server: each level
 * the entities of its kind related to the level above, that the caller may read and that pass
 * the level's filters. Where a deeper level is filtered, branches that reach none of its
 * entities are left out.
 */
export const pivotReport = async (
  db: ProjectionsDb,
  principal: Principal,
  { query, levels, steps }: PivotPlan,
): Promise<PivotReport> => {
  const entitiesOf = (level: Level) =>
    db
      .select({ id: e.id, site_id: e.siteId, kind: e.kind, name: e.name })
      .from(e)
      .where(
        and(
          readableEntities(principal),
          eq(e.kind, level.kind),
          activeSql(query.active),
          ...level.filters.map(filterSql),
        ) as SQL,
      )
      .orderBy(e.name, e.id)
      .limit(LEVEL_LIMIT)

  /**
   * The entities of a level related to those above, with the relation joined in the same query:
   * one round trip to libSQL per chunk of the level above, not one for the relations and another
   * for their entities. A CROSS JOIN keeps SQLite's planner from its inner-join choice, which
   * walks every entity of the kind; this way it starts from the few relations of the level above.
   */
  const relatedOf = (level: Level, step: Step, ids: readonly string[]) => {
    const near = step.forward ? r.fromId : r.toId
    const far = step.forward ? r.toId : r.fromId
    return db
      .select({ above: near, id: e.id, site_id: e.siteId, kind: e.kind, name: e.name })
      .from(r)
      .crossJoin(e)
      .where(
        and(
          eq(e.id, far),
          eq(r.removed, false),
          sql`${r.type} = ${step.type}`,
          inArray(near, [...ids]),
          readableEntities(principal),
          eq(e.kind, level.kind),
          activeSql(query.active),
          ...level.filters.map(filterSql),
        ) as SQL,
      )
      .orderBy(e.name, e.id)
  }

  const nodes: Map<string, PivotNode>[] = []
  const [first, ...rest] = levels
  if (!first) return { chain: query.chain, counts: [], roots: [] }
  nodes.push(new Map((await entitiesOf(first)).map((row) => [row.id, { ...row, children: [] }])))
  for (const [i, level] of rest.entries()) {
    const step = steps[i] as Step
    const above = nodes[i] as Map<string, PivotNode>
    const below = new Map<string, PivotNode>()
    for (const ids of chunks([...above.keys()]))
      for (const { above: parent, ...row } of await relatedOf(level, step, ids)) {
        const child = below.get(row.id) ?? { ...row, children: [] }
        below.set(row.id, child)
        above.get(parent)?.children.push(child)
      }
    nodes.push(below)
  }
  const deepestFiltered = Math.max(-1, ...query.filter.map((f) => f.level))
  const keep = (node: PivotNode, depth: number): PivotNode | undefined => {
    const children = node.children.flatMap((child) => keep(child, depth + 1) ?? [])
    if (depth < deepestFiltered && children.length === 0) return undefined
    return { ...node, children }
  }
  const roots = [...(nodes[0] as Map<string, PivotNode>).values()].flatMap((node) => keep(node, 0) ?? [])
  const seen = levels.map(() => new Set<string>())
  const count = (node: PivotNode, depth: number) => {
    seen[depth]?.add(node.id)
    for (const child of node.children) count(child, depth + 1)
  }
  for (const root of roots) count(root, 0)
  return { chain: query.chain, counts: seen.map((ids) => ids.size), roots }
}
