import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedPort, stepHarness } from '../testing/steps'
import { MAX_RESPONSE_BYTES } from './http'

interface Seen {
  method: string | undefined
  url: string | undefined
  headers: IncomingMessage['headers']
  body: string
}

const seen: Seen[] = []
const routes: Record<string, (response: ServerResponse) => void> = {
  '/ok': (response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('all good\nsecond line'),
  '/broken': (response) => response.writeHead(503).end('{"status":"down"}'),
  '/big': (response) => response.writeHead(200).end(`${'x'.repeat(1000)}\n`.repeat(100)),
  '/hang': () => undefined,
}
const server = createServer(async (request, response) => {
  let body = ''
  for await (const chunk of request) body += chunk
  seen.push({ method: request.method, url: request.url, headers: request.headers, body })
  routes[new URL(request.url ?? '/', 'http://x').pathname]?.(response)
})
let base = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('http steps', () => {
  it('calls the endpoint with the method, headers and body, and shows the status and body', async () => {
    const { run } = stepHarness()
    const result = await run({
      kind: 'http',
      method: 'POST',
      url: `${base}/ok?x=1`,
      headers: { 'x-deploy': 'v42', 'content-type': 'application/json' },
      body: '{"ref":"main"}',
    })
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/ok?x=1',
      headers: { 'x-deploy': 'v42', 'content-type': 'application/json' },
      body: '{"ref":"main"}',
    })
    expect(result.started).toEqual([expect.objectContaining({ pid: null })])
    expect(result.text).toEqual(['HTTP 200 OK', 'all good', 'second line'])
    expect(result.lines.every((line) => line.stream === 'stdout')).toBe(true)
    expect(result.end).toMatchObject({ outcome: 'succeeded', exit_code: null, message: null })
  })

  it('fails on a status it does not expect, and succeeds on one it does', async () => {
    const { run } = stepHarness()
    const failed = await run({ kind: 'http', url: `${base}/broken` })
    expect(failed.text).toEqual(['HTTP 503 Service Unavailable', '{"status":"down"}'])
    expect(failed.end).toMatchObject({ outcome: 'failed', message: 'HTTP 503, expected 200' })
    const expected = await run({ kind: 'http', url: `${base}/broken`, expect_status: [200, 503] })
    expect(expected.end?.outcome).toBe('succeeded')
  })

  it('shows only the first 64 KiB of a body', async () => {
    const { run } = stepHarness()
    const result = await run({ kind: 'http', url: `${base}/big` })
    expect(result.text.slice(1).join('\n').length).toBe(MAX_RESPONSE_BYTES)
    expect(result.end).toMatchObject({
      outcome: 'succeeded',
      message: `only the first ${MAX_RESPONSE_BYTES} bytes of the body are shown`,
    })
  })

  it('fails when the endpoint is out of reach', async () => {
    const { run } = stepHarness()
    const url = `http://127.0.0.1:${await closedPort()}/`
    const result = await run({ kind: 'http', url })
    expect(result.end?.outcome).toBe('failed')
    expect(result.end?.message).toMatch(
      new RegExp(`^could not call ${url}: fetch failed: connect ECONNREFUSED`),
    )
  })

  it('times out', async () => {
    const { run } = stepHarness()
    const began = Date.now()
    const result = await run({ kind: 'http', url: `${base}/hang`, timeout_seconds: 1 })
    expect(Date.now() - began).toBeLessThan(3000)
    expect(result.end).toMatchObject({ outcome: 'timed_out', message: 'timed out after 1 s' })
  })
})
