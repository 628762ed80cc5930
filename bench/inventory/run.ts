import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'libsql'
import { Agent, fetch, type RequestInit } from 'undici'
import * as v from 'valibot'
import { PivotQuery } from '../../schema/api/inventory-reports'
import { startPlatform } from '../../test/platform-process'
import { onInterrupt } from '../lib/cleanup'
import { freePorts } from '../lib/free-port'
import { groupMemory } from '../lib/group-memory'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { percentile, round } from '../lib/stats'
import { writeJson } from '../lib/write-json'
import { directPivot, directReport } from './direct'
import { inventoryPlan } from './plan'

/**
 * `npm run bench:inventory`: clients, systems, applications and servers imported through the
 * API (CSV, in chunks), related through the API's batch path (owned_by, member_of, runs_on,
 * three relations per entity); then a filtered single-kind report and a 4-level pivot through
 * the API, each beside the same queries run directly on the projection's SQLite file; and a
 * CSV export of every server, with the platform's resident memory sampled while it streams.
 * `--data-dir DIR` keeps the platform's data there and, when DIR already holds a load of the same
 * size, queries it again without loading: the full size takes minutes to load.
 */
const { values: args } = parseArgs({
  options: {
    entities: { type: 'string', default: '100000' },
    sites: { type: 'string', default: '4' },
    queries: { type: 'string', default: '50' },
    'import-chunk': { type: 'string', default: '1000' },
    'relation-chunk': { type: 'string', default: '500' },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
  },
})
const ENTITIES = Number(args.entities)
const SITES = Number(args.sites)
const QUERIES = Number(args.queries)
const IMPORT_CHUNK = Number(args['import-chunk'])
const RELATION_CHUNK = Number(args['relation-chunk'])
const root = resolve(import.meta.dirname, '../..')
/**
 * Each request on a connection of its own (no pipelining means no keep-alive in undici):
 * workerd, through Miniflare, closes a kept-alive connection that waited a few seconds, sooner
 * than undici gives it up, and a request sent on it then fails.
 */
const oneRequestPerConnection = new Agent({ pipelining: 0 })

const REPORT =
  'kind=server&columns=name,site_id,attributes.environment&filter=attributes.environment:equals:prod' +
  '&filter=name:contains:7&sort=-name&limit=100'
const PIVOT_CHAIN = 'client,owned_by,system,member_of,application,runs_on,server'
/** One client's tree, its servers filtered at the deepest level. */
const pivotQuery = (client: string) =>
  `chain=${PIVOT_CHAIN}&filter=0:name:equals:${client}&filter=3:attributes.environment:equals:prod`

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

interface Loaded {
  entities: number
  sites: string[]
  key: string
  load_seconds: number
  projected_seconds: number
}

const main = async () => {
  const keepData = args['data-dir'] !== undefined
  const dataDir = args['data-dir']
    ? resolve(args['data-dir'])
    : mkdtempSync(join(tmpdir(), 'sitewire-bench-inventory-'))
  mkdirSync(dataDir, { recursive: true })
  const loadedFile = join(dataDir, 'bench-inventory.json')
  const plan = inventoryPlan(ENTITIES, SITES)
  const previous = existsSync(loadedFile)
    ? (JSON.parse(readFileSync(loadedFile, 'utf8')) as Loaded)
    : undefined
  const reuse = previous?.entities === plan.entities && previous.sites.length === SITES ? previous : undefined
  if (previous && !reuse) throw new Error(`${dataDir} holds a load of another size; pick another --data-dir`)
  const port = await freePorts(2)
  console.error(
    `bench:inventory: ${plan.entities} entities and ${plan.relations} relations in ${SITES} sites; ` +
      `platform on 127.0.0.1:${port}${reuse ? `, reusing the load in ${dataDir}` : ''}`,
  )
  const platform = await startPlatform({ dataDir, port })
  const stop = onInterrupt(async () => {
    await platform.stop()
    if (!keepData) rmSync(dataDir, { recursive: true, force: true })
  })
  try {
    const key = reuse?.key ?? platform.adminKey
    if (!key) throw new Error('the platform started without an admin key')
    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${platform.url}${path}`, {
        ...init,
        dispatcher: oneRequestPerConnection,
        headers: { authorization: `Bearer ${key}`, ...init.headers },
      })
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`)
      return response
    }
    /**
     * A write, retried on a closed connection under the same Idempotency-Key, so it is stored once.
     */
    const post = async (path: string, body: string, type = 'application/json') => {
      const headers = { 'content-type': type, 'idempotency-key': crypto.randomUUID() }
      for (let attempt = 1; ; attempt++) {
        try {
          return await (await api(path, { method: 'POST', headers, body })).json()
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code ?? ''
          if (!['ECONNRESET', 'UND_ERR_SOCKET'].includes(code) || attempt === 3) throw error
        }
      }
    }

    const load = async (): Promise<Loaded> => {
      const sites: string[] = []
      for (let i = 0; i < SITES; i++)
        sites.push(((await post('/v1/sites', JSON.stringify({ name: `bench ${i}` }))) as { id: string }).id)

      const loadStarted = performance.now()
      for (const [s, site] of sites.entries()) {
        const ids: Record<string, string[]> = {}
        for (const kind of ['client', 'system', 'application', 'server'] as const) {
          ids[kind] = []
          const rows = plan.rows(kind, s)
          for (let start = 0; start < rows.length; start += IMPORT_CHUNK) {
            const csv = [plan.header(kind), ...rows.slice(start, start + IMPORT_CHUNK)].join('\r\n')
            const report = (await post(
              `/v1/sites/${site}/inventory/import?kind=${kind}`,
              csv,
              'text/csv',
            )) as {
              lines: { entity_id: string }[]
            }
            ids[kind].push(...report.lines.map((line) => line.entity_id))
          }
        }
        const relations = plan.relationsOf(ids)
        for (let start = 0; start < relations.length; start += RELATION_CHUNK)
          await post(
            `/v1/sites/${site}/inventory/relations/batch`,
            JSON.stringify({ relations: relations.slice(start, start + RELATION_CHUNK) }),
          )
        console.error(
          `site ${s + 1} of ${SITES} loaded at ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`,
        )
      }
      const loadSeconds = (performance.now() - loadStarted) / 1000
      console.error(`loaded in ${loadSeconds.toFixed(1)} s; waiting for the projection`)
      const lagging = async () => {
        let lag = 0
        for (const site of sites) {
          const status = (await (await api(`/v1/sites/${site}/status`)).json()) as {
            head_seq: number
            projected_seq: number | null
          }
          lag += status.head_seq - (status.projected_seq ?? 0)
        }
        return lag
      }
      while ((await lagging()) > 0) await new Promise((done) => setTimeout(done, 1000))
      const projectedSeconds = (performance.now() - loadStarted) / 1000
      const loaded = {
        entities: plan.entities,
        sites,
        key,
        load_seconds: loadSeconds,
        projected_seconds: projectedSeconds,
      }
      if (keepData) writeFileSync(loadedFile, JSON.stringify(loaded))
      return loaded
    }
    const { load_seconds: loadSeconds, projected_seconds: projectedSeconds } = reuse ?? (await load())

    const tenantId = ((await (await api('/v1/auth/me')).json()) as { tenant_id: string }).tenant_id
    const db = new Database(join(dataDir, 'libsql', 'sitewire.db'), { readonly: true })
    const client = plan.clientName(0, 0)

    console.error(`filtered report and 4-level pivot, ${QUERIES} times each, through the API and on SQLite`)
    const reportApi = await timed(
      () => api(`/v1/inventory/reports/entities?${REPORT}`).then((r) => r.json()),
      QUERIES,
    )
    const reportSqlite = await timed(() => directReport(db, tenantId), QUERIES)
    const pivotAnswer = (await (await api(`/v1/inventory/reports/pivot?${pivotQuery(client)}`)).json()) as {
      counts: number[]
    }
    const pivotApi = await timed(
      () => api(`/v1/inventory/reports/pivot?${pivotQuery(client)}`).then((r) => r.json()),
      QUERIES,
    )
    const pivotParsed = v.parse(PivotQuery, {
      chain: PIVOT_CHAIN,
      filter: [`0:name:equals:${client}`, '3:attributes.environment:equals:prod'],
    })
    const direct = directPivot(db, tenantId, pivotParsed)
    if (JSON.stringify(direct.counts) !== JSON.stringify(pivotAnswer.counts))
      throw new Error(`the direct pivot counts ${direct.counts}, the API ${pivotAnswer.counts}`)
    const pivotSqlite = await timed(() => directPivot(db, tenantId, pivotParsed), QUERIES)
    db.close()

    console.error('CSV export of every server, sampling the platform’s memory')
    const before = groupMemory(platform.process.pid as number).totalMiB
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, groupMemory(platform.process.pid as number).totalMiB)
    }, 100)
    const exportStarted = performance.now()
    const csv = await api(
      '/v1/inventory/reports/entities?kind=server&columns=name,site_id,attributes.environment&format=csv',
    )
    let lines = 0
    let clientPeakMiB = 0
    const reader = csv.body?.getReader()
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      for (const byte of chunk.value) if (byte === 10) lines++
      clientPeakMiB = Math.max(clientPeakMiB, process.memoryUsage().rss / 2 ** 20)
    }
    const exportSeconds = (performance.now() - exportStarted) / 1000
    clearInterval(sampler)
    const after = groupMemory(platform.process.pid as number).totalMiB

    const result = {
      bench: 'inventory',
      at: new Date().toISOString(),
      source: sourceRevision(root),
      machine: describeMachine(),
      entities: plan.entities,
      relations: plan.relations,
      sites: SITES,
      load: {
        seconds: round(loadSeconds),
        entities_and_relations_per_second: round((plan.entities + plan.relations) / loadSeconds),
        projected_after_seconds: round(projectedSeconds),
        reused: reuse !== undefined,
      },
      filtered_report_ms: {
        api: reportApi,
        sqlite: reportSqlite,
        p95_ratio: round(reportApi.p95 / reportSqlite.p95),
      },
      pivot_4_levels_ms: {
        counts: pivotAnswer.counts,
        api: pivotApi,
        sqlite: pivotSqlite,
        p95_ratio: round(pivotApi.p95 / pivotSqlite.p95),
      },
      csv_export: {
        rows: lines - 1,
        seconds: round(exportSeconds),
        rows_per_second: round((lines - 1) / exportSeconds),
        platform_rss_mib: { before, peak, after },
        client_rss_peak_mib: round(clientPeakMiB),
      },
    }
    console.log(JSON.stringify(result, null, 2))
    const out =
      args.out ?? join(root, 'bench', 'results', `inventory-${result.at.slice(0, 10)}-${ENTITIES}.json`)
    writeJson(root, out, result)
    console.error(`written to ${out}`)
  } catch (error) {
    console.error(`the platform's last output:\n${platform.output.slice(-40).join('')}`)
    throw error
  } finally {
    await stop()
  }
}

await main()
