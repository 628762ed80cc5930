/**
 * Test helpers: a server on port 0 over a fresh temp file, removed after the test, and raw Hrana
 * requests for the cases a well-behaved client never produces.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Config, createClient } from '@libsql/client'
import { onTestFinished } from 'vitest'
import type { PipelineRespBody, StreamResponse, StreamResult } from './protocol'
import { type LibsqlServer, type LibsqlServerOptions, startLibsqlServer } from './server'

export const TOKEN = 'test-token-5f1c'

export interface TestServer {
  server: LibsqlServer
  dir: string
  dbPath: string
  /** A real `@libsql/client` (http mode) for this server, closed after the test. */
  client: (config?: Partial<Config>) => ReturnType<typeof createClient>
  /** POSTs a JSON body (or raw text) to `path` with the token unless `headers` say otherwise. */
  post: (path: string, body: unknown, headers?: Record<string, string>) => Promise<Response>
  /** Starts the server again on the same file (after `server.close()`). */
  restart: (options?: Partial<LibsqlServerOptions>) => Promise<TestServer>
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'libsql-server-test-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function serve(
  dir: string,
  dbPath: string,
  options: Partial<LibsqlServerOptions>,
): Promise<TestServer> {
  const server = await startLibsqlServer({ dbPath, authToken: TOKEN, ...options })
  onTestFinished(() => server.close())
  const client = (config: Partial<Config> = {}) => {
    const c = createClient({ url: server.url, authToken: TOKEN, ...config })
    onTestFinished(() => c.close())
    return c
  }
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    })
  return {
    server,
    dir,
    dbPath,
    client,
    post,
    restart: (more = {}) => serve(dir, dbPath, { ...options, ...more }),
  }
}

export async function startTestServer(options: Partial<LibsqlServerOptions> = {}): Promise<TestServer> {
  const dir = await tempDir()
  return serve(dir, join(dir, 'test.db'), options)
}

/** A Hrana statement with positional args, as JSON. */
export const stmt = (sql: string, args: unknown[] = []) => ({ sql, args, want_rows: true })

/** Runs a v2/v3 JSON pipeline and returns the parsed body (asserting HTTP 200). */
export async function pipeline(
  t: TestServer,
  requests: unknown[],
  options: { baton?: string | null; version?: 2 | 3 } = {},
): Promise<PipelineRespBody> {
  const res = await t.post(`/v${options.version ?? 2}/pipeline`, { baton: options.baton ?? null, requests })
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`)
  return res.json()
}

/** The response of an `ok` result of the given type (fails the test otherwise). */
export function okResponse<T extends StreamResponse['type']>(
  result: StreamResult | undefined,
  type: T,
): Extract<StreamResponse, { type: T }> {
  if (result?.type !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`)
  if (result.response.type !== type) throw new Error(`expected ${type}, got ${result.response.type}`)
  return result.response as Extract<StreamResponse, { type: T }>
}

/** The error of an `error` result (fails the test otherwise). */
export function errorOf(result: StreamResult | undefined): { message: string; code: string } {
  if (result?.type !== 'error') throw new Error(`expected error, got ${JSON.stringify(result)}`)
  return result.error
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
