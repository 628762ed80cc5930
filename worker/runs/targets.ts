import { and, asc, eq, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import type { Target } from '../../schema/tasks/run-request'
import { labelMatches } from '../lib/label-selector'

/** The approved agents a target names: every condition given must hold. Oldest first. */
export const matchTargets = (db: DrizzleSqliteDODatabase<typeof store>, target: Target) => {
  const { agents } = store
  const fact = (path: string, value: string | undefined) =>
    value === undefined ? undefined : sql`json_extract(${agents.facts}, ${path}) = ${value}`
  const ids = target.agent_ids
  const rows = db
    .select({
      id: agents.id,
      hostname: agents.hostname,
      presence: agents.presence,
      labels: agents.labels,
    })
    .from(agents)
    .where(
      and(
        eq(agents.status, 'approved'),
        ...Object.entries(target.labels ?? {}).map(([key, value]) =>
          labelMatches(agents.labels, `${key}=${value}`),
        ),
        fact('$.os.family', target.os_family),
        fact('$.arch', target.arch),
        target.hostname === undefined ? undefined : eq(agents.hostname, target.hostname),
      ),
    )
    .orderBy(asc(agents.id))
    .all()
  // Ids are matched here, not bound: a Durable Object's SQLite takes at most 100 values per statement.
  if (!ids) return rows
  const wanted = new Set(ids)
  return rows.filter((row) => wanted.has(row.id))
}
