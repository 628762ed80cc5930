import type Database from 'libsql'

/**
 * The SQL the API's report and pivot run (worker/inventory/entity-report.ts, pivot-report.ts),
 * as drizzle renders them for a tenant admin, run directly on the projection's SQLite file.
 */
const REPORT_ROWS = `
  select "name", "site_id", json_extract("attributes", '$.environment') from "inventory_entities"
  where ("inventory_entities"."tenant_id" = ? and "inventory_entities"."kind" = 'server'
    and "inventory_entities"."active" = 1
    and json_extract("attributes", '$.environment') = 'prod' and "name" like '%7%' escape '\\')
  order by "name" desc, "id" desc limit 100 offset 0`
const REPORT_TOTAL = `
  select count(*) from "inventory_entities"
  where ("inventory_entities"."tenant_id" = ? and "inventory_entities"."kind" = 'server'
    and "inventory_entities"."active" = 1
    and json_extract("attributes", '$.environment') = 'prod' and "name" like '%7%' escape '\\')`

/** The filtered report: its page of rows and its total, as the API answers both. */
export const directReport = (db: Database.Database, tenantId: string) => {
  db.prepare(REPORT_ROWS).all(tenantId)
  db.prepare(REPORT_TOTAL).all(tenantId)
}

const CHUNK = 400
const chunks = <T>(items: readonly T[]) =>
  Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK))
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ')

const entities = (
  db: Database.Database,
  tenantId: string,
  kind: string,
  filter: { sql: string; value: string },
) =>
  db
    .prepare(
      `select "id", "site_id", "kind", "name" from "inventory_entities"
       where ("inventory_entities"."tenant_id" = ? and "inventory_entities"."kind" = ?
         and "inventory_entities"."active" = 1
         and ${filter.sql} = ?)
       order by "inventory_entities"."name", "inventory_entities"."id" limit 20000`,
    )
    .all(tenantId, kind, filter.value) as { id: string }[]

/** A level's entities joined to the relations from or to the level above, as the API reads them. */
const relatedOf = (
  db: Database.Database,
  tenantId: string,
  step: { kind: string; type: string; forward: boolean },
  filter: { sql: string; value: string } | undefined,
  ids: string[],
): { above: string; below: string }[] => {
  const [near, far] = step.forward ? ['"from_id"', '"to_id"'] : ['"to_id"', '"from_id"']
  return db
    .prepare(
      `select "inventory_relations".${near}, "inventory_entities"."id" from "inventory_relations"
       cross join "inventory_entities"
       where ("inventory_entities"."id" = "inventory_relations".${far} and "inventory_relations"."removed" = 0 and "inventory_relations"."type" = ?
         and "inventory_relations".${near} in (${marks(ids.length)})
         and "inventory_entities"."tenant_id" = ? and "inventory_entities"."kind" = ?
         and "inventory_entities"."active" = 1 ${filter ? `and ${filter.sql} = ?` : ''})
       order by "inventory_entities"."name", "inventory_entities"."id"`,
    )
    .raw()
    .all(step.type, ...ids, tenantId, step.kind, ...(filter ? [filter.value] : []))
    .map((row) => {
      const [above, below] = row as unknown as [string, string]
      return { above, below }
    })
}

/**
 * The pivot client → system → application → server for one client, servers filtered by
 * environment, level by level as the API reads it, branches that reach no server left out;
 * answers the count of each level's entities.
 */
export const directPivot = (db: Database.Database, tenantId: string, client: string) => {
  const steps = [
    { kind: 'system', type: 'owned_by', forward: false },
    { kind: 'application', type: 'member_of', forward: false },
    { kind: 'server', type: 'runs_on', forward: true },
  ]
  const environment = { sql: `json_extract("attributes", '$.environment')`, value: 'prod' }
  let level = entities(db, tenantId, 'client', { sql: '"inventory_entities"."name"', value: client }).map(
    (row) => row.id,
  )
  const levels = [level]
  const links: { above: string; below: string }[][] = []
  for (const [i, step] of steps.entries()) {
    const filter = i === steps.length - 1 ? environment : undefined
    const edges = chunks(level).flatMap((ids) => relatedOf(db, tenantId, step, filter, ids))
    level = [...new Set(edges.map((edge) => edge.below))]
    levels.push(level)
    links.push(edges)
  }
  // Bottom up: an entity above the filtered level stays when one of its children does.
  const kept = [new Set(levels[levels.length - 1])]
  for (let i = links.length - 1; i >= 0; i--) {
    const below = kept[0] as Set<string>
    kept.unshift(new Set((links[i] ?? []).filter((edge) => below.has(edge.below)).map((edge) => edge.above)))
  }
  return { counts: kept.map((ids) => ids.size) }
}
