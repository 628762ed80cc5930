/**
 * A local stand-in for sqld: serves one libSQL database file over Hrana over HTTP (v2, v3 JSON and
 * v3 protobuf), so `@libsql/client/web` in workerd talks to it exactly as to Turso in production.
 * Routes, bearer auth and lifecycle live here; the protocol is in endpoints/requests/program.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { LibsqlDatabase } from './database'
import { type EndpointContext, handleCursor, handlePipeline } from './endpoints'
import { HttpError } from './errors'
import { corsHeaders, isAuthorized, send, sendError, sendJson, sendUnauthorized } from './http'
import type { Encoding, Version } from './protocol'
import { StreamRegistry } from './streams'

export interface LibsqlServerOptions {
  /** The database file (created with its directory if missing). */
  dbPath: string
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0: any free port. */
  port?: number
  /** When set, Hrana requests need `Authorization: Bearer <token>` (else 401). */
  authToken?: string
  /** Structured log lines (`time`, `level`, `msg`, ...); never SQL arguments or the token. */
  log?: (line: Record<string, unknown>) => void
  /** Idle streams (open batons) expire after this long, rolling back (sqld: 10 s). */
  streamIdleTimeoutMs?: number
  /** A write transaction older than this may be rolled back by a waiting writer (sqld: 5 s). */
  txnTimeoutMs?: number
  /** How long to retry SQLITE_BUSY caused by another process holding the file's lock. */
  busyTimeoutMs?: number
  /** Larger request bodies get 413. Default 10 MiB. */
  maxBodyBytes?: number
}

export interface LibsqlServer {
  /** `http://host:port`, for `createClient({ url })`. */
  url: string
  port: number
  /** Stops accepting, lets in-flight requests finish, rolls back open streams, closes the file. */
  close(): Promise<void>
}

type Route =
  | { kind: 'health' }
  | { kind: 'version' }
  | { kind: 'hrana'; endpoint: 'pipeline' | 'cursor'; version: Version; encoding: Encoding }

const ROUTES = new Map<string, Route>([
  ['/health', { kind: 'health' }],
  ['/v2', { kind: 'version' }],
  ['/v3', { kind: 'version' }],
  ['/v3-protobuf', { kind: 'version' }],
  ['/v2/pipeline', { kind: 'hrana', endpoint: 'pipeline', version: 2, encoding: 'json' }],
  ['/v3/pipeline', { kind: 'hrana', endpoint: 'pipeline', version: 3, encoding: 'json' }],
  ['/v3/cursor', { kind: 'hrana', endpoint: 'cursor', version: 3, encoding: 'json' }],
  ['/v3-protobuf/pipeline', { kind: 'hrana', endpoint: 'pipeline', version: 3, encoding: 'protobuf' }],
  ['/v3-protobuf/cursor', { kind: 'hrana', endpoint: 'cursor', version: 3, encoding: 'protobuf' }],
])

/** What sqld answers to the version probes (`GET /v2`, `/v3`, `/v3-protobuf`). */
const VERSION_BANNER = 'Hello, this is HTTP API v2 (Hrana over HTTP)'

/** Starts the server; resolves once it listens. */
export async function startLibsqlServer(options: LibsqlServerOptions): Promise<LibsqlServer> {
  const log = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
    options.log?.({ time: new Date().toISOString(), level, msg, ...fields })
  const db = new LibsqlDatabase({
    path: options.dbPath,
    txnTimeoutMs: options.txnTimeoutMs ?? 5_000,
    onSteal: (heldMs) =>
      log('warn', 'write transaction timed out; lock taken over, transaction rolled back', { heldMs }),
  })
  const streams = new StreamRegistry(db, {
    idleTimeoutMs: options.streamIdleTimeoutMs ?? 10_000,
    onExpire: (hadTransaction) => {
      if (hadTransaction) log('warn', 'idle stream expired; its open transaction was rolled back')
    },
  })
  const ctx: EndpointContext = {
    db,
    streams,
    busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
  }

  let inFlight = 0
  let closing = false
  let drained: (() => void) | undefined

  async function route(req: IncomingMessage, res: ServerResponse, route: Route | undefined): Promise<void> {
    if (!route) throw new HttpError(404, 'NOT_FOUND', `No route for ${req.method} ${req.url}`)
    const expected = route.kind === 'hrana' ? 'POST' : 'GET'
    if (req.method !== expected && !(expected === 'GET' && req.method === 'HEAD')) {
      res.setHeader('allow', expected)
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${expected} for ${req.url}`)
    }
    if (route.kind === 'health') return send(res, 200, undefined)
    if (route.kind === 'version') return send(res, 200, 'text/plain', VERSION_BANNER)
    if (route.endpoint === 'pipeline') await handlePipeline(req, res, ctx, route.version, route.encoding)
    else await handleCursor(req, res, ctx, route.version, route.encoding)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value)
    if (req.method === 'OPTIONS') return send(res, 204, undefined)
    if (closing) {
      res.setHeader('connection', 'close')
      return sendJson(res, 503, { message: 'The server is shutting down', code: 'SHUTTING_DOWN' })
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const found = ROUTES.get(path)
    const open = found?.kind === 'health' || found?.kind === 'version'
    if (!open && !isAuthorized(req, options.authToken)) return sendUnauthorized(res)
    const encoding = found?.kind === 'hrana' ? found.encoding : 'json'
    try {
      await route(req, res, found)
    } catch (e) {
      if (res.headersSent) {
        log('error', 'request failed after the response started', { path, error: String(e) })
        res.destroy()
      } else if (e instanceof HttpError) {
        // only status and code: messages may quote the request (and so argument values)
        log(e.status >= 500 ? 'error' : 'debug', 'request rejected', { path, status: e.status, code: e.code })
        sendError(res, e, encoding)
      } else {
        log('error', 'internal error', {
          path,
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        })
        sendError(res, new HttpError(500, 'INTERNAL_ERROR', 'Internal server error'), encoding)
      }
    }
  }

  const server = createServer((req, res) => {
    inFlight++
    handle(req, res).finally(() => {
      inFlight--
      if (inFlight === 0) drained?.()
    })
  })

  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (e) => log('error', 'server error', { error: String(e) }))
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  let closed: Promise<void> | undefined
  async function close(): Promise<void> {
    closing = true
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve))
    streams.closeAll()
    db.close()
    server.closeAllConnections()
    await stopped
  }

  return {
    url,
    port,
    close: () => {
      closed ??= close()
      return closed
    },
  }
}
