import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Enrolled, ServerMessage } from '../../schema/agent/protocol'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { SiteFile } from '../../schema/api/files'
import type { Run, RunDetail } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import type { Task } from '../../schema/api/tasks'
import type { LoggedEvent } from '../../schema/events'
import { MAX_FILE_BYTES } from '../../schema/tasks/steps'
import { newAgent, open } from '../../test/worker-agents'
import { BASE, type Client, createSite, eventually, expectError, newTenant } from '../../test/worker-support'

let admin: Client
let other: Client

beforeAll(async () => {
  admin = (await newTenant()).client
  other = (await newTenant()).client
})

type StepMessage = Extract<ServerMessage, { type: 'step' }>

const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV'

const randomBytes = (length: number) => {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536))
  return bytes
}

/** Byte for byte; `toEqual` on megabytes walks them far too slowly. */
const expectSameBytes = async (response: Response, want: Uint8Array) => {
  const got = new Uint8Array(await response.arrayBuffer())
  expect(got.length).toBe(want.length)
  expect(got.findIndex((byte, i) => byte !== want[i])).toBe(-1)
}

const sha256 = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')

const upload = (site: Site, name: string, body: BodyInit, headers: Record<string, string> = {}) =>
  admin(`/v1/sites/${site.id}/files?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  })

const uploaded = async (site: Site, name: string, bytes: Uint8Array) => {
  const response = await upload(site, name, bytes)
  expect(response.status).toBe(201)
  return (await response.json()) as SiteFile
}

const head = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

const logOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/events?limit=1000`)).json()) as { items: LoggedEvent[] }).items

const newTask = async (site: Site, steps: Record<string, unknown>[]) => {
  const response = await admin(`/v1/sites/${site.id}/tasks`, {
    method: 'POST',
    json: { name: 'files', steps },
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Task
}

const runTask = async (site: Site, task: Task, agentIds: string[]) => {
  const response = await admin(`/v1/sites/${site.id}/tasks/${task.id}/runs`, {
    method: 'POST',
    json: { target: { agent_ids: agentIds } },
  })
  expect(response.status).toBe(202)
  return (await response.json()) as Run
}

const finishedRun = (site: Site, runId: string) =>
  eventually(async () => {
    const run = (await (await admin(`/v1/sites/${site.id}/runs/${runId}`)).json()) as RunDetail
    return ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : undefined
  })

/** A connected fake agent: it receives steps, signs a JWT per request, and reports as the CLI does. */
const connectAgent = async (site: Site, token: string) => {
  const keys = await newAgent()
  const { agent_id: agentId } = (await (await keys.enrol(token)).json()) as Enrolled
  let conn = await open(await keys.connect(agentId, site.id))
  const steps = () =>
    conn.messages.filter((m): m is StepMessage => typeof m !== 'string' && m.type === 'step')
  const nextStep = () => eventually(async () => steps()[0])
  /** A request to a platform URL, with a JWT for its path unless another one is given. */
  const call = async (url: string, init: RequestInit = {}, jwt?: string) =>
    SELF.fetch(url, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        authorization: `Bearer ${jwt ?? (await keys.sign(agentId, new URL(url).pathname))}`,
      },
    })
  const finish = async (step: StepMessage, file?: { sha256: string; bytes: number }) => {
    const event = {
      specversion: '1.0',
      id: crypto.randomUUID(),
      source: `/sites/${site.id}/agents/${agentId}`,
      type: 'io.sitewire.step.finished',
      time: new Date().toISOString(),
      data: {
        agent_id: agentId,
        run_id: step.run_id,
        index: step.index,
        attempt: step.attempt,
        outcome: 'succeeded',
        exit_code: null,
        signal: null,
        duration_ms: 5,
        message: null,
        ...(file ? { file } : {}),
      },
    }
    conn.socket.send(JSON.stringify(event))
    await conn.next((m) => typeof m !== 'string' && m.type === 'ack' && m.ids.includes(event.id))
  }
  const disconnect = () => conn.socket.close()
  const reconnect = async () => {
    conn = await open(await keys.connect(agentId, site.id))
  }
  return { agentId, keys, call, nextStep, finish, disconnect, reconnect }
}

const siteWithAgents = async (count: number) => {
  const site = await createSite(admin, 'files')
  const token = (await (
    await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: count } })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const agents = []
  for (let i = 0; i < count; i++) agents.push(await connectAgent(site, token.token))
  return { site, agents }
}

describe('site files', () => {
  it('are uploaded with their checksum, listed, downloaded byte for byte and deleted', async () => {
    const site = await createSite(admin, 'files')
    // Larger than the JSON body limit: uploads stream past it.
    const bytes = randomBytes(5 * 1024 * 1024 + 1)
    const file = await uploaded(site, "app (1.2)'s.tar.gz", bytes)
    expect(file).toMatchObject({
      site_id: site.id,
      name: "app (1.2)'s.tar.gz",
      bytes: bytes.length,
      sha256: await sha256(bytes),
      created_by: expect.stringMatching(/^key\//),
    })
    expect(await (await admin(`/v1/sites/${site.id}/files/${file.id}`)).json()).toEqual(file)
    const empty = await uploaded(site, 'empty', new Uint8Array())
    expect(empty).toMatchObject({ bytes: 0, sha256: await sha256(new Uint8Array()) })

    const page = async (query: string) =>
      (await (await admin(`/v1/sites/${site.id}/files?${query}`)).json()) as {
        items: SiteFile[]
        next_cursor: string | null
      }
    const first = await page('limit=1')
    expect(first.items.map((f) => f.id)).toEqual([file.id])
    expect((await page(`limit=1&cursor=${first.next_cursor}`)).items.map((f) => f.id)).toEqual([empty.id])

    const content = await admin(`/v1/sites/${site.id}/files/${file.id}/content`)
    expect(content.status).toBe(200)
    expect(content.headers.get('content-type')).toBe('application/octet-stream')
    expect(content.headers.get('etag')).toBe(`"${file.sha256}"`)
    expect(content.headers.get('content-disposition')).toBe(
      "attachment; filename*=UTF-8''app%20%281.2%29%27s.tar.gz",
    )
    await expectSameBytes(content, bytes)

    const deleted = await admin(`/v1/sites/${site.id}/files/${file.id}`, { method: 'DELETE' })
    expect(deleted.status).toBe(200)
    expect(await deleted.json()).toEqual(file)
    await expectError(await admin(`/v1/sites/${site.id}/files/${file.id}`), 404, 'not_found')
    await expectError(await admin(`/v1/sites/${site.id}/files/${file.id}/content`), 404, 'not_found')
    await expectError(
      await admin(`/v1/sites/${site.id}/files/${file.id}`, { method: 'DELETE' }),
      404,
      'not_found',
    )
    expect((await page('')).items.map((f) => f.id)).toEqual([empty.id])
    expect(await env.ARCHIVES.head(`sites/${site.id}/files/${file.id}`)).toBeNull()
    const events = (await logOf(site)).filter((e) => e.type.startsWith('io.sitewire.file.'))
    expect(events.map((e) => [e.type, e.subject, e.data])).toEqual([
      [
        'io.sitewire.file.uploaded',
        file.id,
        { file_id: file.id, name: file.name, bytes: file.bytes, sha256: file.sha256 },
      ],
      ['io.sitewire.file.uploaded', empty.id, expect.objectContaining({ bytes: 0 })],
      ['io.sitewire.file.deleted', file.id, { file_id: file.id }],
    ])
  })

  it('answer a repeated upload with its first answer, storing it once', async () => {
    const site = await createSite(admin, 'files')
    const bytes = randomBytes(1000)
    const send = () => upload(site, 'once', bytes, { 'idempotency-key': 'upload-1' })
    const first = await send()
    expect(first.status).toBe(201)
    const again = await send()
    expect(again.status).toBe(201)
    expect(await again.json()).toEqual(await first.json())
    await expectError(
      await upload(site, 'once', randomBytes(1001), { 'idempotency-key': 'upload-1' }),
      422,
      'idempotency_key_reused',
    )
    const listed = await env.ARCHIVES.list({ prefix: `sites/${site.id}/files/` })
    expect(listed.objects).toHaveLength(1)
    expect((await logOf(site)).filter((e) => e.type === 'io.sitewire.file.uploaded')).toHaveLength(1)
  })

  it('refuse uploads without a length, too large, badly named, or to another tenant, changing nothing', async () => {
    const site = await createSite(admin, 'files')
    const file = await uploaded(site, 'kept', randomBytes(10))
    const before = await head(site)
    // A body of unknown length; empty, so that nothing is left unsent when the upload is refused unread.
    const stream = () =>
      new ReadableStream({
        start(controller) {
          controller.close()
        },
      })
    await expectError(await upload(site, 'chunked', stream()), 411, 'length_required')
    await expectError(
      await upload(site, 'huge', stream(), { 'content-length': String(MAX_FILE_BYTES + 1) }),
      413,
      'too_large',
    )
    await expectError(
      await admin(`/v1/sites/${site.id}/files`, { method: 'POST', body: 'x' }),
      400,
      'validation_failed',
    )
    await expectError(await upload(site, 'a/b', 'x'), 400, 'validation_failed')
    await expectError(await upload(site, '   ', 'x'), 400, 'validation_failed')
    await expectError(await admin(`/v1/sites/${site.id}/files/nope`), 400, 'validation_failed')
    await expectError(await admin(`/v1/sites/${site.id}/files/${ULID}`), 404, 'not_found')
    await expectError(await admin(`/v1/sites/${site.id}/files/${ULID}/content`), 404, 'not_found')
    await expectError(
      await other(`/v1/sites/${site.id}/files?name=x`, { method: 'POST', body: 'x' }),
      404,
      'not_found',
    )
    await expectError(await other(`/v1/sites/${site.id}/files/${file.id}`), 404, 'not_found')
    await expectError(await other(`/v1/sites/${site.id}/files/${file.id}/content`), 404, 'not_found')
    await expectError(
      await other(`/v1/sites/${site.id}/files/${file.id}`, { method: 'DELETE' }),
      404,
      'not_found',
    )
    expect(await head(site)).toBe(before)
    const stored = await env.ARCHIVES.list({ prefix: `sites/${site.id}/` })
    expect(stored.objects.map((o) => o.key)).toEqual([`sites/${site.id}/files/${file.id}`])

    const archived = await createSite(admin, 'archived')
    expect((await admin(`/v1/sites/${archived.id}/archive`, { method: 'POST' })).status).toBe(200)
    await expectError(await upload(archived, 'late', 'x'), 409, 'site_archived')
    expect((await env.ARCHIVES.list({ prefix: `sites/${archived.id}/` })).objects).toEqual([])
  })
})

describe('file steps', () => {
  it('refuse tasks that push a file the site does not have', async () => {
    const site = await createSite(admin, 'files')
    const push = (fileId: string) => ({
      kind: 'file',
      direction: 'push',
      file_id: fileId,
      path: '/etc/app.conf',
    })
    const empty = await head(site)
    const refused = await expectError(
      await admin(`/v1/sites/${site.id}/tasks`, {
        method: 'POST',
        json: { name: 'x', steps: [{ kind: 'script', body: 'true' }, push(ULID)] },
      }),
      422,
      'unknown_file',
    )
    expect(refused.error.details).toEqual([{ step: 1, file_id: ULID }])
    expect(await head(site)).toBe(empty)

    const file = await uploaded(site, 'app.conf', randomBytes(10))
    const task = await newTask(site, [push(file.id)])
    expect((await admin(`/v1/sites/${site.id}/files/${file.id}`, { method: 'DELETE' })).status).toBe(200)
    await expectError(
      await admin(`/v1/sites/${site.id}/tasks/${task.id}`, {
        method: 'PUT',
        json: { name: 'x', steps: [push(file.id)] },
      }),
      422,
      'unknown_file',
    )
    const before = await head(site)
    await expectError(
      await admin(`/v1/sites/${site.id}/tasks/${task.id}/runs`, {
        method: 'POST',
        json: { target: { agent_ids: [ULID] } },
      }),
      422,
      'unknown_file',
    )
    expect(await head(site)).toBe(before)
  })

  it('push: the agent on the step downloads the file with its JWT, and no one else can', async () => {
    const { site, agents } = await siteWithAgents(2)
    const [pusher, outsider] = agents as [(typeof agents)[0], (typeof agents)[0]]
    const bytes = randomBytes(200_000)
    const file = await uploaded(site, 'app.conf', bytes)
    const task = await newTask(site, [
      { kind: 'file', direction: 'push', file_id: file.id, path: '/etc/app.conf', mode: '0600' },
    ])
    const run = await runTask(site, task, [pusher.agentId])
    const step = await pusher.nextStep()
    const url = `${BASE}/v1/sites/${site.id}/agents/files/${file.id}`
    expect(step).toMatchObject({
      run_id: run.id,
      step: { kind: 'file', direction: 'push', file_id: file.id, mode: '0600' },
      file: { url, sha256: file.sha256, bytes: bytes.length },
    })
    expect(step.upload_url).toBeUndefined()

    const got = await pusher.call(url)
    expect(got.status).toBe(200)
    expect(got.headers.get('etag')).toBe(`"${file.sha256}"`)
    await expectSameBytes(got, bytes)

    await expectError(await outsider.call(url), 403, 'not_your_step')
    const path = new URL(url).pathname
    await expectError(
      await pusher.call(url, {}, await pusher.keys.jwt(pusher.agentId, site.id)),
      401,
      'invalid_agent_credentials',
    )
    await expectError(
      await pusher.call(url, {}, await pusher.keys.sign(pusher.agentId, path, -60)),
      401,
      'invalid_agent_credentials',
    )
    await expectError(
      await pusher.call(url, {}, await outsider.keys.sign(pusher.agentId, path)),
      401,
      'invalid_agent_credentials',
    )
    await expectError(await SELF.fetch(url), 401, 'invalid_agent_credentials')
    await expectError(
      await pusher.call(`${BASE}/v1/sites/${site.id}/agents/files/${ULID}`),
      403,
      'not_your_step',
    )

    await pusher.finish(step)
    expect((await finishedRun(site, run.id)).status).toBe('succeeded')
    await expectError(await pusher.call(url), 403, 'not_your_step')
    for (const agent of agents) agent.disconnect()
  })

  it('resources: an agent keeping a File resource downloads the file it names; others cannot, nor it once the resource goes', async () => {
    const { site, agents } = await siteWithAgents(2)
    const [keeper, outsider] = agents as [(typeof agents)[0], (typeof agents)[0]]
    const bytes = randomBytes(50_000)
    const file = await uploaded(site, 'app.conf', bytes)
    const consumer = (await (
      await admin(`/v1/sites/${site.id}/consumers`, {
        method: 'POST',
        json: { name: 'keeper', agent_id: keeper.agentId },
      })
    ).json()) as { id: string }
    const manifest = { kind: 'File', path: '/etc/app.conf', file_id: file.id, mode: '0600' }
    const before = await head(site)
    await expectError(
      await admin(`/v1/sites/${site.id}/resources`, {
        method: 'POST',
        json: { consumer_id: consumer.id, manifest: { ...manifest, file_id: ULID } },
      }),
      422,
      'unknown_file',
    )
    expect(await head(site)).toBe(before)
    const created = await admin(`/v1/sites/${site.id}/resources`, {
      method: 'POST',
      json: { consumer_id: consumer.id, manifest, delete_option: 'Orphan' },
    })
    expect(created.status).toBe(201)
    const resource = (await created.json()) as { id: string }

    const url = `${BASE}/v1/sites/${site.id}/agents/files/${file.id}`
    const got = await keeper.call(url)
    expect(got.status).toBe(200)
    expect(got.headers.get('etag')).toBe(`"${file.sha256}"`)
    await expectSameBytes(got, bytes)
    await expectError(await outsider.call(url), 403, 'not_your_step')

    expect((await admin(`/v1/sites/${site.id}/resources/${resource.id}`, { method: 'DELETE' })).status).toBe(
      200,
    )
    await expectError(await keeper.call(url), 403, 'not_your_step')
    for (const agent of agents) agent.disconnect()
  })

  it('push: a step sent again when the agent reconnects carries its file', async () => {
    const { site, agents } = await siteWithAgents(1)
    const [agent] = agents as [(typeof agents)[0]]
    const file = await uploaded(site, 'late', randomBytes(10))
    const task = await newTask(site, [
      { kind: 'file', direction: 'push', file_id: file.id, path: '/tmp/late' },
    ])
    agent.disconnect()
    await eventually(async () => {
      const agentNow = (await (await admin(`/v1/sites/${site.id}/agents/${agent.agentId}`)).json()) as {
        presence: string
      }
      return agentNow.presence === 'offline' ? true : undefined
    })
    const run = await runTask(site, task, [agent.agentId])
    await agent.reconnect()
    expect(await agent.nextStep()).toMatchObject({
      run_id: run.id,
      file: { url: `${BASE}/v1/sites/${site.id}/agents/files/${file.id}`, sha256: file.sha256, bytes: 10 },
    })
    agent.disconnect()
  })

  it('fetch: the agent uploads to its step attempt, and operators download what it read', async () => {
    const { site, agents } = await siteWithAgents(2)
    const [fetcher, outsider] = agents as [(typeof agents)[0], (typeof agents)[0]]
    const task = await newTask(site, [{ kind: 'file', direction: 'fetch', path: '/var/log/app.log' }])
    const run = await runTask(site, task, [fetcher.agentId])
    const step = await fetcher.nextStep()
    const uploadUrl = `${BASE}/v1/sites/${site.id}/agents/runs/${run.id}/steps/0/1/file`
    expect(step).toMatchObject({ run_id: run.id, index: 0, attempt: 1, upload_url: uploadUrl })
    expect(step.file).toBeUndefined()

    // Larger than the JSON body limit: uploads stream past it.
    const bytes = randomBytes(5 * 1024 * 1024 + 1)
    const put = (agent: typeof fetcher, url: string, body: BodyInit = bytes) =>
      agent.call(url, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } })
    await expectError(await put(outsider, uploadUrl), 403, 'not_your_step')
    await expectError(
      await put(fetcher, `${BASE}/v1/sites/${site.id}/agents/runs/${run.id}/steps/0/2/file`),
      403,
      'not_your_step',
    )
    await expectError(
      await put(
        fetcher,
        uploadUrl,
        new ReadableStream({
          start(controller) {
            controller.close()
          },
        }),
      ),
      411,
      'length_required',
    )
    await expectError(
      await fetcher.call(
        uploadUrl,
        { method: 'PUT', body: bytes },
        await fetcher.keys.jwt(fetcher.agentId, site.id),
      ),
      401,
      'invalid_agent_credentials',
    )

    const stored = await put(fetcher, uploadUrl)
    expect(stored.status).toBe(201)
    const file = { sha256: await sha256(bytes), bytes: bytes.length }
    expect(await stored.json()).toEqual(file)
    await fetcher.finish(step, file)
    expect((await finishedRun(site, run.id)).status).toBe('succeeded')
    await expectError(await put(fetcher, uploadUrl), 403, 'not_your_step')

    const download = await admin(`/v1/sites/${site.id}/runs/${run.id}/files/${fetcher.agentId}/0`)
    expect(download.status).toBe(200)
    expect(download.headers.get('etag')).toBe(`"${file.sha256}"`)
    await expectSameBytes(download, bytes)
    await expectError(
      await admin(`/v1/sites/${site.id}/runs/${run.id}/files/${outsider.agentId}/0`),
      404,
      'not_found',
    )
    await expectError(
      await admin(`/v1/sites/${site.id}/runs/${ULID}/files/${fetcher.agentId}/0`),
      404,
      'not_found',
    )
    await expectError(
      await other(`/v1/sites/${site.id}/runs/${run.id}/files/${fetcher.agentId}/0`),
      404,
      'not_found',
    )
    for (const agent of agents) agent.disconnect()
  })
})
