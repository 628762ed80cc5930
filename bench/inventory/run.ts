import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'libsql'
import { startPlatform } from '../../test/platform-process'
import { onInterrupt } from '../lib/cleanup'
import { freePorts } from '../lib/free-port'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { percentile, round } from '../lib/stats'
import { writeJson } from '../lib/write-json'

/**
 * `npm run bench:inventory`: servers imported through the API (CSV, in chunks), then a
 * filtered single-kind report through the API beside the same query run directly on the
 * projection's SQLite file, and a CSV export of every row. Relations are not loaded: the API
 * has no bulk path for them yet, so the pivot is not measured.
 */
const { values: args } = parseArgs({
  options: {
    entities: { type: 'string', default: '100000' },
    sites: { type: 'string', default: '4' },
    queries: { type: 'string', default: '50' },
    out: { type: 'string' },
  },
})
const ENTITIES = Number(args.entities)
const SITES = Number(args.sites)
const QUERIES = Number(args.queries)
const CHUNK = 2000
const ENVIRONMENTS = ['prod', 'dev', 'staging', 'test']
const root = resolve(import.meta.dirname, '../..')

const REPORT =
  'kind=server&columns=name,site_id,attributes.environment&filter=attributes.environment:equals:prod' +
  '&filter=name:contains:7&sort=-name&limit=100'

const DIRECT = `
  SELECT name, site_id, json_extract(attributes, '$.environment')
  FROM inventory_entities
  WHERE tenant_id = ? AND kind = 'server' AND active = 1
    AND json_extract(attributes, '$.environment') = 'prod' AND name LIKE '%7%'
  ORDER BY name DESC, id DESC LIMIT 100`

const timed = async (run: () => Promise<unknown> | unknown, count: number) => {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await run()
    samples.push(performance.now() - started)
  }
  samples.sort((a, b) => a - b)
  return { count, p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) }
}

const main = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-inventory-'))
  const port = await freePorts(2)
  console.error(`bench:inventory: ${ENTITIES} servers in ${SITES} sites; platform on 127.0.0.1:${port}`)
  const platform = await startPlatform({ dataDir, port })
  const stop = onInterrupt(async () => {
    await platform.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
  try {
    const key = platform.adminKey
    if (!key) throw new Error('the platform started without an admin key')
    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${platform.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, ...init.headers },
      })
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`)
      return response
    }
    const sites: string[] = []
    for (let i = 0; i < SITES; i++) {
      const site = (await (
        await api('/v1/sites', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `bench ${i}` }),
        })
      ).json()) as { id: string; tenant_id: string }
      sites.push(site.id)
    }
    const loadStarted = performance.now()
    for (let start = 0; start < ENTITIES; start += CHUNK) {
      const lines = ['name,attributes.hostname,attributes.environment,tags']
      for (let n = start; n < Math.min(ENTITIES, start + CHUNK); n++)
        lines.push(`srv-${n},srv-${n},${ENVIRONMENTS[n % ENVIRONMENTS.length]},bench`)
      const site = sites[(start / CHUNK) % sites.length]
      await api(`/v1/sites/${site}/inventory/import?kind=server`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: lines.join('\r\n'),
      })
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000
    console.error(`loaded in ${loadSeconds.toFixed(1)} s; waiting for the projection`)
    const total = async () =>
      ((await (await api('/v1/inventory/reports/entities?kind=server&limit=1')).json()) as { total: number })
        .total
    while ((await total()) < ENTITIES) await new Promise((done) => setTimeout(done, 500))

    console.error(`report through the API, ${QUERIES} times`)
    const viaApi = await timed(
      () => api(`/v1/inventory/reports/entities?${REPORT}`).then((r) => r.json()),
      QUERIES,
    )
    const tenantId = ((await (await api('/v1/auth/me')).json()) as { tenant_id: string }).tenant_id
    const db = new Database(join(dataDir, 'libsql', 'sitewire.db'), { readonly: true })
    const statement = db.prepare(DIRECT)
    const direct = await timed(() => statement.all(tenantId), QUERIES)
    db.close()

    console.error('CSV export of every server')
    const exportStarted = performance.now()
    const csv = await api(
      '/v1/inventory/reports/entities?kind=server&columns=name,site_id,attributes.environment&format=csv',
    )
    let lines = 0
    const reader = csv.body?.getReader()
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read())
      for (const byte of chunk.value) if (byte === 10) lines++
    const exportSeconds = (performance.now() - exportStarted) / 1000

    const result = {
      bench: 'inventory',
      at: new Date().toISOString(),
      source: sourceRevision(root),
      machine: describeMachine(),
      entities: ENTITIES,
      sites: SITES,
      load: { seconds: round(loadSeconds), entities_per_second: round(ENTITIES / loadSeconds) },
      filtered_report_ms: { api: viaApi, sqlite: direct, p95_ratio: round(viaApi.p95 / direct.p95) },
      csv_export: {
        rows: lines - 1,
        seconds: round(exportSeconds),
        rows_per_second: round((lines - 1) / exportSeconds),
      },
      not_measured: 'the pivot report: relations have no bulk path in the API yet',
    }
    console.log(JSON.stringify(result, null, 2))
    const out =
      args.out ?? join(root, 'bench', 'results', `inventory-${result.at.slice(0, 10)}-${ENTITIES}.json`)
    writeJson(root, out, result)
    console.error(`written to ${out}`)
  } finally {
    await stop()
  }
}

await main()
