import { env } from 'cloudflare:test'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { EntityReportQuery } from '../../schema/api/inventory-reports'
import { inventoryEntities } from '../../schema/db/projections'
import { keyPrincipal } from '../../test/principals'
import type { Principal } from '../access/principal'
import { openProjections, type ProjectionsDb } from '../projections/database'
import { type ReportRow, reportPages, reportRows } from './entity-report'

const db = openProjections(env)
const read = <T>(query: (db: ProjectionsDb) => Promise<T>) => query(db)

/** Servers whose rank repeats and is sometimes missing, and whose names repeat: ties and nulls on every page. */
const loadServers = async (tenantId: string, count: number) => {
  const time = new Date(0).toISOString()
  await db.insert(inventoryEntities).values(
    Array.from({ length: count }, (_, i) => ({
      id: `${tenantId}-${String(i).padStart(3, '0')}`,
      siteId: 'site',
      tenantId,
      kind: 'server' as const,
      name: `server-${i % 7}`,
      attributes: i % 4 === 0 ? {} : { rank: i % 3 },
      tags: [],
      customFields: {},
      restricted: false,
      active: true,
      createdAt: time,
      updatedAt: time,
      lastSeq: i + 1,
    })),
  )
}

const everyPage = async (principal: Principal, query: EntityReportQuery, limit: number) => {
  const next = reportPages(read, principal, query)
  const rows: ReportRow[] = []
  for (;;) {
    const page = await next(limit)
    rows.push(...page)
    if (page.length < limit) return rows
  }
}

describe('report pages', () => {
  it('read page after page gives every row once, in the order of one read, whatever the sort', async () => {
    const tenantId = crypto.randomUUID()
    await loadServers(tenantId, 61)
    const principal = keyPrincipal(tenantId)
    for (const sort of ['name', '-name', 'attributes.rank', '-attributes.rank', 'id', '-id']) {
      const query = v.parse(EntityReportQuery, { kind: 'server', columns: 'id,name,attributes.rank', sort })
      const whole = await reportRows(db, principal, query, 0, 1000)
      expect(whole).toHaveLength(61)
      for (const limit of [1, 4, 10, 61])
        expect(await everyPage(principal, query, limit), `${sort} by ${limit}`).toEqual(whole)
    }
  })
})
