import { env, runInDurableObject } from 'cloudflare:test'
import { drizzle } from 'drizzle-orm/durable-sqlite'
import { describe, expect, it } from 'vitest'
import * as siteStore from '../../schema/db/site-store'
import { createSite, newTenant } from '../../test/worker-support'
import { InventoryBook } from './inventory-book'

/**
 * The statements the book runs for each lookup a create, an import or a discovery report makes
 * per entity, and SQLite's plan for each: every one must reach entities through an index that
 * narrows them to the few it asks for. Walking `inventory_entities_kind` (every entity of a
 * kind) made imports and discovery slow down as a site grew.
 */
describe('inventory lookups', () => {
  it('find duplicates, names, instance ids and addresses without walking every entity of a kind', async () => {
    const { client } = await newTenant()
    const site = await createSite(client, 'lookups')
    const created = await client(`/v1/sites/${site.id}/inventory/entities`, {
      method: 'POST',
      json: { kind: 'server', name: 'web-1', attributes: { hostname: 'web-1', private_ipv4: ['10.0.0.1'] } },
    })
    expect(created.status).toBe(201)
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    const plans = await runInDurableObject(stub, (_instance, state) => {
      const statements: { query: string; bindings: unknown[] }[] = []
      const sql = state.storage.sql
      const exec = sql.exec.bind(sql)
      sql.exec = ((query: string, ...bindings: unknown[]) => {
        statements.push({ query, bindings })
        return exec(query, ...bindings)
      }) as typeof sql.exec
      const book = new InventoryBook(drizzle(state.storage, { schema: siteStore }))
      try {
        book.duplicates(null, 'web-1', ['10.0.0.1'], 'none')
        book.duplicates('team', 'web-1', ['10.0.0.1'], 'none')
        book.entityByName('server', 'web-1')
        book.serverByInstanceId('i-0abc')
        book.serverByHostnameAndAddress('web-1', ['10.0.0.1'])
      } finally {
        sql.exec = exec
      }
      return statements.map(({ query, bindings }) => ({
        query,
        plan: [...exec(`explain query plan ${query}`, ...bindings)].map((row) => String(row.detail)),
      }))
    })
    expect(plans).toHaveLength(7)
    for (const { query, plan } of plans) {
      const entities = plan.filter((step) => /inventory_entities|\be\b/.test(step))
      expect(entities.length, query).toBeGreaterThan(0)
      for (const step of entities) {
        expect(step, query).toMatch(/^SEARCH /)
        expect(step, query).not.toMatch(/inventory_entities_kind \(kind=\?\)/)
      }
    }
  })
})
