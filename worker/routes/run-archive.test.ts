import { env, runInDurableObject } from 'cloudflare:test'
import { unpackTar } from 'modern-tar'
import * as v from 'valibot'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import { type Run, RunArchiveManifest, type RunDetail } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import type { Task } from '../../schema/api/tasks'
import type { LoggedEvent } from '../../schema/events'
import { connectAgent, type StepMessage, script } from '../../test/worker-runs'
import { type Client, createSite, eventually, expectError, newTenant } from '../../test/worker-support'
import { EventLog } from '../site/event-log'
import type { SiteObject } from '../site-object/site-object'

let admin: Client
let other: Client

beforeAll(async () => {
  admin = (await newTenant()).client
  other = (await newTenant()).client
})

type Agent = Awaited<ReturnType<typeof connectAgent>>
type Line = { at: string; stream: 'stdout' | 'stderr'; text: string }

const siteWithAgents = async (count: number) => {
  const site = await createSite(admin, 'archives')
  const token = (await (
    await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: count } })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const agents: Agent[] = []
  for (let i = 0; i < count; i++) agents.push(await connectAgent(site, token.token))
  return { site, agents }
}

const newTask = async (site: Site, json: Record<string, unknown>) => {
  const response = await admin(`/v1/sites/${site.id}/tasks`, { method: 'POST', json })
  expect(response.status).toBe(201)
  return (await response.json()) as Task
}

const runTask = async (site: Site, task: Task, agents: Agent[]) => {
  const response = await admin(`/v1/sites/${site.id}/tasks/${task.id}/runs`, {
    method: 'POST',
    json: { target: { agent_ids: agents.map((a) => a.agentId) } },
  })
  expect(response.status).toBe(202)
  return (await response.json()) as Run
}

const runOf = async (site: Site, runId: string) =>
  (await (await admin(`/v1/sites/${site.id}/runs/${runId}`)).json()) as RunDetail

const archivedRun = (site: Site, runId: string) =>
  eventually(async () => {
    const run = await runOf(site, runId)
    return run.archive ? run : undefined
  })

const allEvents = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/events?limit=1000`)).json()) as { items: LoggedEvent[] }).items

const headSeq = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

const stub = (site: Site) => env.SITE.get(env.SITE.idFromName(site.id))

/** Runs one attempt as an agent does: started, each chunk of lines, finished. */
const attempt = async (
  agent: Agent,
  step: StepMessage,
  chunks: Line[][],
  outcome: 'succeeded' | 'failed',
  exitCode: number,
) => {
  const ref = { run_id: step.run_id, index: step.index, attempt: step.attempt }
  await agent.send(agent.frame('io.sitewire.step.started', { ...ref, pid: 7 }))
  for (const [chunk, lines] of chunks.entries())
    await agent.send(agent.frame('io.sitewire.step.output', { ...ref, chunk, lines }))
  await agent.send(
    agent.frame('io.sitewire.step.finished', {
      ...ref,
      outcome,
      exit_code: exitCode,
      signal: null,
      duration_ms: 5,
      message: null,
    }),
  )
}

let clock = Date.parse('2026-01-02T03:04:05.000Z')
const line = (text: string, stream: Line['stream'] = 'stdout'): Line => {
  clock += 1000
  return { at: new Date(clock).toISOString(), stream, text }
}

const download = async (site: Site, runId: string, call: Client = admin) =>
  call(`/v1/sites/${site.id}/runs/${runId}/archive`)

/** Gunzips and untars an archive as a user would, with the library the platform packs it with. */
const unpack = async (bytes: ArrayBuffer) => {
  const tar = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')))
  const entries = await unpackTar(new Uint8Array(await tar.arrayBuffer()))
  return new Map(entries.map((e) => [e.header.name, new TextDecoder().decode(e.data)]))
}

const sha256 = async (bytes: ArrayBuffer) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')

const asFile = (chunks: Line[][]) =>
  chunks
    .flat()
    .map((l) => `${l.at} ${l.stream} ${l.text}\n`)
    .join('')

/** Opens the log stream and gathers what it sends up to the head. */
const streamed = async (site: Site, head: number) => {
  const response = await admin(`/v1/sites/${site.id}/events/stream?after=0`, {
    headers: { upgrade: 'websocket' },
  })
  expect(response.status).toBe(101)
  const socket = response.webSocket
  if (!socket) throw new Error('no socket')
  const received: LoggedEvent[] = []
  socket.addEventListener('message', (m) => received.push(JSON.parse(m.data as string)))
  socket.accept()
  const all = await eventually(async () => (received.at(-1)?.seq === head ? received : undefined))
  socket.close()
  return all
}

const sse = async (site: Site, runId: string) =>
  (await admin(`/v1/sites/${site.id}/runs/${runId}/logs`)).text()

describe('run archives', () => {
  it('pack every attempt’s output and a manifest, then drop the chunks from the log', async () => {
    const { site, agents } = await siteWithAgents(2)
    const [a, b] = agents as [Agent, Agent]
    const task = await newTask(site, {
      name: 'Deploy web',
      steps: [
        script('echo hi', { name: 'Say hello (world)' }),
        script('deploy', { name: 'deploy', retries: { max: 1, backoff_seconds: 1 } }),
      ],
    })
    const run = await runTask(site, task, agents)

    const output = {
      a0: [[line('hello from a'), line('second line')], [line('warn: é ✓', 'stderr')]],
      b0: [[line('hello from b')], [line('tab\there', 'stderr'), line('')], [line('last of b0')]],
      a1: [[line('deployed a')]],
      b1: [[line('boom', 'stderr')]],
      b1again: [[line('deployed b'), line('done')]],
    }
    await attempt(a, await a.nextStep(1), output.a0, 'succeeded', 0)
    await attempt(b, await b.nextStep(1), output.b0, 'succeeded', 0)
    await attempt(a, await a.nextStep(2), output.a1, 'succeeded', 0)
    await attempt(b, await b.nextStep(2), output.b1, 'failed', 3)
    const retry = await eventually(async () => (b.steps().length >= 3 ? b.steps()[2] : undefined), 5000)
    expect(retry).toMatchObject({ index: 1, attempt: 2 })
    await attempt(b, retry, output.b1again, 'succeeded', 0)

    const done = await archivedRun(site, run.id)
    expect(done.status).toBe('succeeded')
    const archive = done.archive
    if (!archive) throw new Error('not archived')
    const chunks = Object.values(output).reduce((n, c) => n + c.length, 0)
    const lines = Object.values(output).reduce((n, c) => n + c.flat().length, 0)
    expect(archive).toMatchObject({
      run_id: run.id,
      key: `sites/${site.id}/runs/${run.id}.tar.gz`,
      lines,
      pruned_events: chunks,
      deleted_at: null,
    })

    // The download is the object in R2, byte for byte.
    const response = await download(site, run.id)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/gzip')
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="run-${run.id}.tar.gz"`)
    const bytes = await response.arrayBuffer()
    expect(bytes.byteLength).toBe(archive.bytes)
    expect(await sha256(bytes)).toBe(archive.sha256)
    const stored = await env.ARCHIVES.head(archive.key)
    expect(stored?.customMetadata).toMatchObject({ sha256: archive.sha256, lines: String(lines) })

    const files = await unpack(bytes)
    const path = (agent: Agent, step: string, n: number) => `${agent.agentId}/${step}/attempt-${n}.log`
    const expected = new Map([
      [path(a, '0-say-hello-world', 1), asFile(output.a0)],
      [path(a, '1-deploy', 1), asFile(output.a1)],
      [path(b, '0-say-hello-world', 1), asFile(output.b0)],
      [path(b, '1-deploy', 1), asFile(output.b1)],
      [path(b, '1-deploy', 2), asFile(output.b1again)],
    ])
    const byAgent = [...expected.keys()].sort()
    expect([...files.keys()]).toEqual(['manifest.json', ...byAgent])
    for (const [name, text] of expected) expect(files.get(name)?.split('\n')).toEqual(text.split('\n'))
    expect(files.get(path(a, '0-say-hello-world', 1))?.split('\n')).toEqual([
      '2026-01-02T03:04:06.000Z stdout hello from a',
      '2026-01-02T03:04:07.000Z stdout second line',
      '2026-01-02T03:04:08.000Z stderr warn: é ✓',
      '',
    ])

    const manifest = v.parse(RunArchiveManifest, JSON.parse(files.get('manifest.json') ?? ''))
    expect(manifest).toMatchObject({
      format: 1,
      run_id: run.id,
      site_id: site.id,
      task: { id: task.id, version: 1, name: 'Deploy web' },
      status: 'succeeded',
      params: {},
      trigger: { kind: 'api' },
      finished_at: done.finished_at,
      lines,
      bytes: [...expected.values()].reduce((n, t) => n + new TextEncoder().encode(t).length, 0),
    })
    expect(
      manifest.attempts.map((x) => [x.file, x.step_name, x.outcome, x.exit_code, x.lines, x.bytes]),
    ).toEqual(
      byAgent.map((file) => {
        const text = expected.get(file) ?? ''
        const failed = file === path(b, '1-deploy', 1)
        return [
          file,
          file.includes('/0-') ? 'Say hello (world)' : 'deploy',
          failed ? 'failed' : 'succeeded',
          failed ? 3 : 0,
          text.split('\n').length - 1,
          new TextEncoder().encode(text).length,
        ]
      }),
    )

    // Output chunks left the log; the run's and steps' own events stayed, and so did the previews.
    const events = await allEvents(site)
    const ofRun = events.filter((e) => e.subject === run.id)
    expect(ofRun.filter((e) => e.type === 'io.sitewire.step.output')).toEqual([])
    expect(ofRun.filter((e) => e.type === 'io.sitewire.step.finished')).toHaveLength(5)
    expect(ofRun.filter((e) => e.type.startsWith('io.sitewire.run.')).map((e) => e.type)).toEqual([
      'io.sitewire.run.requested',
      'io.sitewire.run.dispatched',
      'io.sitewire.run.collecting',
      'io.sitewire.run.finished',
      'io.sitewire.run.archived',
    ])
    const outputs = await admin(`/v1/sites/${site.id}/events?type=io.sitewire.step.output`)
    expect(((await outputs.json()) as { items: unknown[] }).items).toEqual([])
    const b1 = done.steps.find((s) => s.agent_id === b.agentId && s.index === 1 && s.attempt === 1)
    expect(b1).toMatchObject({ lines: 1, head: [output.b1[0]?.[0]], tail: [output.b1[0]?.[0]] })
    expect(
      done.steps.find((s) => s.agent_id === a.agentId && s.index === 0)?.head.map((l) => l.text),
    ).toEqual(['hello from a', 'second line', 'warn: é ✓'])

    // The head is the archive event, in memory and as a restarted object reads it back.
    const head = await headSeq(site)
    expect(events.at(-1)).toMatchObject({ seq: head, type: 'io.sitewire.run.archived' })
    expect(
      await runInDurableObject(stub(site), (_instance, state) => new EventLog(state.storage.sql).head),
    ).toBe(head)

    // Paging and the stream step over the holes: every stored event once, in order.
    const seqs = events.map((e) => e.seq)
    expect(seqs.length).toBeLessThan(head)
    const paged: number[] = []
    for (let cursor = '0'; ; ) {
      const page = (await (await admin(`/v1/sites/${site.id}/events?limit=4&after=${cursor}`)).json()) as {
        items: LoggedEvent[]
        next_cursor: string | null
      }
      paged.push(...page.items.map((e) => e.seq))
      if (!page.next_cursor) break
      cursor = page.next_cursor
    }
    expect(paged).toEqual(seqs)
    expect((await streamed(site, head)).map((e) => e.seq)).toEqual(seqs)

    // The log stream of the run says where its lines went.
    const text = await sse(site, run.id)
    expect(text).not.toContain('event: output')
    const archived = /event: archived\ndata: (.*)\n\nevent: end\n/.exec(text)
    expect(JSON.parse(archived?.[1] ?? 'null')).toEqual({
      run_id: run.id,
      download: `/v1/sites/${site.id}/runs/${run.id}/archive`,
      bytes: archive.bytes,
      lines,
      sha256: archive.sha256,
      deleted_at: null,
    })
    const end = /event: end\ndata: (.*)\n/.exec(text)
    expect(JSON.parse(end?.[1] ?? 'null')).toEqual({
      run_id: run.id,
      status: done.status,
      reason: done.reason,
      agents: { succeeded: done.agents.succeeded, failed: done.agents.failed, not_started: 0 },
    })

    // A chunk an agent replays now would land in a log that no longer recognises it: refused.
    const late = a.frame('io.sitewire.step.output', {
      run_id: run.id,
      index: 0,
      attempt: 1,
      chunk: 2,
      lines: [line('late')],
    })
    a.conn.socket.send(JSON.stringify(late))
    expect(await a.conn.next((m) => typeof m !== 'string' && m.type === 'error')).toMatchObject({
      code: 'run_archived',
      event_id: late.id,
      retryable: false,
    })
    expect(await headSeq(site)).toBe(head)
    for (const agent of agents) agent.conn.socket.close()
  }, 30_000)

  it('answer 404 for unknown runs and other tenants, 409 until a run is archived', async () => {
    const { site, agents } = await siteWithAgents(1)
    const [agent] = agents as [Agent]
    const task = await newTask(site, { name: 'slow', steps: [script('sleep 1')] })
    const run = await runTask(site, task, agents)
    await agent.nextStep(1)
    await expectError(await download(site, run.id), 409, 'not_archived')
    await expectError(await download(site, '01ARZ3NDEKTSV4RRFFQ69G5FAV'), 404, 'not_found')
    await expectError(await download(site, run.id, other), 404, 'not_found')
    await expectError(await admin(`/v1/sites/${site.id}/runs/not-a-ulid/archive`), 400, 'validation_failed')
    await attempt(agent, await agent.nextStep(1), [[line('ok')]], 'succeeded', 0)
    await archivedRun(site, run.id)
    await expectError(await download(site, run.id, other), 404, 'not_found')
    expect((await download(site, run.id)).status).toBe(200)
    agent.conn.socket.close()
  })

  it('are written again after a crash between the upload and the record', async () => {
    const { site, agents } = await siteWithAgents(1)
    const [agent] = agents as [Agent]
    const task = await newTask(site, { name: 'crashy', steps: [script('echo')] })
    // The object "dies" right after each upload: the archive is in R2, the log does not say so.
    let uploads = 0
    await runInDurableObject(stub(site), (instance: SiteObject) => {
      const { deps } = (
        instance as unknown as { parts: { runs: { archiver: { deps: { bucket: R2Bucket } } } } }
      ).parts.runs.archiver
      const bucket = deps.bucket
      deps.bucket = {
        put: async (...args: Parameters<R2Bucket['put']>) => {
          await bucket.put(...args)
          uploads += 1
          throw new Error('the object went away')
        },
      } as unknown as R2Bucket
    })
    const run = await runTask(site, task, agents)
    const step = await agent.nextStep(1)
    const chunks = [[line('one')], [line('two', 'stderr')]]
    await attempt(agent, step, chunks, 'succeeded', 0)
    await eventually(async () => (uploads > 0 ? true : undefined))
    const key = `sites/${site.id}/runs/${run.id}.tar.gz`
    expect(await env.ARCHIVES.head(key)).not.toBeNull()
    expect((await runOf(site, run.id)).archive).toBeNull()
    await expectError(await download(site, run.id), 409, 'not_archived')
    expect(await sse(site, run.id)).toContain('event: output')

    agent.conn.socket.close()

    // The restarted object (with the real bucket again) finds the run ended but unarchived, and
    // archives it again under the same key.
    await runInDurableObject(stub(site), (_instance, state) => state.abort('restart')).catch(() => undefined)
    const done = await archivedRun(site, run.id)
    expect(done.archive).toMatchObject({ key, pruned_events: 2, lines: 2 })
    const files = await unpack(await (await download(site, run.id)).arrayBuffer())
    expect(files.get(`${agent.agentId}/0-script-1/attempt-1.log`)).toBe(asFile(chunks))
    expect(uploads).toBe(1)
    expect((await allEvents(site)).filter((e) => e.type === 'io.sitewire.step.output')).toEqual([])
  }, 30_000)

  it('are deleted from R2 once older than the site’s retention', async () => {
    const { site, agents } = await siteWithAgents(1)
    const [agent] = agents as [Agent]
    expect(site.retention_days).toBe(30)
    const task = await newTask(site, { name: 'kept', steps: [script('echo')] })
    const old = await runTask(site, task, agents)
    await attempt(agent, await agent.nextStep(1), [[line('old')]], 'succeeded', 0)
    const oldArchive = (await archivedRun(site, old.id)).archive
    const recent = await runTask(site, task, agents)
    await attempt(agent, await agent.nextStep(2), [[line('recent')]], 'succeeded', 0)
    const recentArchive = (await archivedRun(site, recent.id)).archive
    if (!oldArchive || !recentArchive) throw new Error('not archived')

    // The old run ended 3 days ago as far as the object knows; the site keeps archives 2 days.
    await runInDurableObject(stub(site), (_instance, state) => {
      state.storage.sql.exec(
        'UPDATE runs SET finished_at = ? WHERE id = ?',
        new Date(Date.now() - 3 * 86_400_000).toISOString(),
        old.id,
      )
    })
    await expectError(
      await admin(`/v1/sites/${site.id}`, { method: 'PATCH', json: { retention_days: 0 } }),
      400,
      'validation_failed',
    )
    const changed = await admin(`/v1/sites/${site.id}`, { method: 'PATCH', json: { retention_days: 2 } })
    expect(await changed.json()).toMatchObject({ retention_days: 2 })
    await runInDurableObject(stub(site), (instance: SiteObject) => instance.alarm())

    const deleted = await eventually(async () => {
      const run = await runOf(site, old.id)
      return run.archive?.deleted_at ? run : undefined
    })
    expect(deleted.archive).toMatchObject({ key: oldArchive.key, bytes: oldArchive.bytes })
    expect(await env.ARCHIVES.head(oldArchive.key)).toBeNull()
    await expectError(await download(site, old.id), 404, 'archive_deleted')
    expect((await allEvents(site)).filter((e) => e.type === 'io.sitewire.run.archive_deleted')).toMatchObject(
      [{ subject: old.id, data: { run_id: old.id, key: oldArchive.key } }],
    )
    expect(await sse(site, old.id)).toContain(`"deleted_at":"${deleted.archive?.deleted_at}"`)

    // The recent one stays.
    expect((await runOf(site, recent.id)).archive?.deleted_at).toBeNull()
    expect((await download(site, recent.id)).status).toBe(200)
    agent.conn.socket.close()
  }, 30_000)
})
