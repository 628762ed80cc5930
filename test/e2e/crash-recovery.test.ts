import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SiteStatus } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'

/**
 * The platform started as the README starts it, killed with SIGKILL while clients append,
 * and started again: nothing acknowledged is lost or doubled, and projections catch up.
 */
describe('crash recovery', () => {
  let dataDir: string
  let platform: RunningPlatform
  let key: string
  let firstRunOutput: string[] = []
  let adminPassword = ''
  const port = testPort(1)

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-e2e-'))
    platform = await startPlatform({ dataDir, port, logLevel: 'info' })
    if (!platform.adminKey) throw new Error('first start printed no admin key')
    key = platform.adminKey
    firstRunOutput = platform.output
    adminPassword = platform.adminPassword ?? ''
  }, 120_000)

  afterAll(async () => {
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${platform.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })

  const readWholeLog = async (siteId: string) => {
    const events: LoggedEvent[] = []
    for (let after = 0; ; ) {
      const page = (await (await api(`/v1/sites/${siteId}/events?after=${after}&limit=1000`)).json()) as {
        items: LoggedEvent[]
        next_cursor: string | null
      }
      events.push(...page.items)
      if (!page.next_cursor) return events
      after = Number(page.next_cursor)
    }
  }

  const projectedUpToHead = async (siteId: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = (await (await api(`/v1/sites/${siteId}/status`)).json()) as SiteStatus
      if (status.projected_seq === status.head_seq) return status
      if (Date.now() > deadline) throw new Error(`projection stuck: ${JSON.stringify(status)}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  it('keeps every acknowledged event exactly once across a SIGKILL, with no gap in seq', async () => {
    const site = (await (
      await api('/v1/sites', { method: 'POST', body: JSON.stringify({ name: 'crash' }) })
    ).json()) as {
      id: string
    }
    const acknowledged = new Set<string>()
    let stop = false
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const id = `c${n}-${i}`
        try {
          const response = await api(`/v1/sites/${site.id}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/cloudevents+json' },
            body: JSON.stringify({
              specversion: '1.0',
              id,
              source: `/clients/${n}`,
              type: 'com.example.tick',
              data: { i },
            }),
          })
          if (response.status === 201) acknowledged.add(`/clients/${n}|${id}`)
        } catch {
          return
        }
      }
    }
    const clients = Array.from({ length: 8 }, (_, n) => client(n))
    await new Promise((r) => setTimeout(r, 1500))
    await platform.kill()
    stop = true
    await Promise.all(clients)
    expect(acknowledged.size).toBeGreaterThan(50)

    platform = await startPlatform({ dataDir, port, logLevel: 'info' })
    expect(platform.adminKey).toBeUndefined()
    const log = await readWholeLog(site.id)
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1))
    const stored = log.filter((e) => e.type === 'com.example.tick').map((e) => `${e.source}|${e.id}`)
    expect(new Set(stored).size).toBe(stored.length)
    for (const id of acknowledged) expect(stored).toContain(id)
    const status = await projectedUpToHead(site.id)
    expect(status.head_seq).toBe(log.length)
  }, 180_000)

  it('keeps taking appends while the libSQL server is down, and projects them once it is back', async () => {
    const site = (await (
      await api('/v1/sites', { method: 'POST', body: JSON.stringify({ name: 'libsql down' }) })
    ).json()) as {
      id: string
    }
    await projectedUpToHead(site.id)
    const libsqlPid = Number(
      execFileSync('pgrep', ['-f', `libsql-server/main.ts --db ${dataDir}`])
        .toString()
        .trim()
        .split('\n')[0],
    )
    process.kill(libsqlPid, 'SIGKILL')
    const sent = Array.from({ length: 20 }, (_, i) => ({
      specversion: '1.0',
      id: `down-${i}`,
      source: '/x',
      type: 'com.example.down',
    }))
    for (const event of sent) {
      const response = await api(`/v1/sites/${site.id}/events`, {
        method: 'POST',
        body: JSON.stringify(event),
      })
      expect(response.status).toBe(201)
    }
    const during = (await (await api(`/v1/sites/${site.id}/status`)).json()) as SiteStatus
    expect(during.head_seq).toBe(21)
    const after = await projectedUpToHead(site.id)
    expect(after).toMatchObject({ head_seq: 21, projected_seq: 21, lag: 0 })
    const indexed = (await (
      await api(`/v1/events?site_id=${site.id}&type=com.example.down&limit=100`)
    ).json()) as {
      items: unknown[]
    }
    expect(indexed.items).toHaveLength(20)
    expect(platform.output.some((line) => line.includes('libsql server exited; restarting'))).toBe(true)
  }, 120_000)

  it('never writes the admin key, the admin password or the libSQL token to its logs', async () => {
    const libsqlToken = (await readFile(join(dataDir, 'libsql-token'), 'utf8')).trim()
    const banner = /Admin API key:|Admin password:|Try: curl/
    const lines = [...firstRunOutput, ...platform.output].filter((line) => !banner.test(line))
    expect(lines.length).toBeGreaterThan(10)
    expect(adminPassword).toBeTruthy()
    for (const line of lines) {
      expect(line).not.toContain(key)
      expect(line).not.toContain(adminPassword)
      expect(line).not.toContain(libsqlToken)
    }
  })
})
