import type { IncomingMessage } from 'node:http'
import * as v from 'valibot'
import WebSocket from 'ws'
import { MAX_FRAME_BYTES, REFUSAL_CODES, ServerMessage } from '../schema/agent/protocol'
import { ErrorBody } from '../schema/common'
import { type BackoffOptions, backoffDelay } from './backoff'
import { errorMessage, type Logger } from './log'

export interface ConnectionOptions {
  url: string
  /** Headers of one attempt, made afresh each time: they carry a new short-lived JWT. */
  headers: () => Promise<Record<string, string>>
  log: Logger
  onOpen: (send: (text: string) => void) => void
  onMessage: (message: ServerMessage) => void
  onClose: () => void
  backoff?: BackoffOptions
  pingIntervalMs?: number
  /** A connection open this long counts as stable: the next reconnect starts the backoff over. */
  stableAfterMs?: number
  handshakeTimeoutMs?: number
}

/** Why the connection loop ended: asked to, or the platform refused this agent for good. */
export type ConnectionEnd = { reason: 'stopped' } | { reason: 'refused'; message: string }

type Attempt = { kind: 'closed'; openMs: number } | { kind: 'failed' } | { kind: 'refused'; message: string }

export interface Connection {
  done: Promise<ConnectionEnd>
  stop: () => void
}

const readBody = (response: IncomingMessage, limit = 16 * 1024): Promise<string> =>
  new Promise((resolve) => {
    let body = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      if (body.length < limit) body += chunk
    })
    response.on('end', () => resolve(body))
    response.on('error', () => resolve(body))
  })

/** The platform's `{"error":{"code","message"}}`, or the status alone. */
const describeRefusal = (status: number, body: string) => {
  try {
    const parsed = v.safeParse(ErrorBody, JSON.parse(body))
    if (parsed.success)
      return { status, code: parsed.output.error.code, message: parsed.output.error.message }
  } catch {
    // Not JSON: the status says enough.
  }
  return { status, code: undefined, message: `HTTP ${status}` }
}

/** A platform message, or why it isn't one. */
const readServerMessage = (text: string): { message: ServerMessage } | { error: string } => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { error: 'not JSON' }
  }
  const parsed = v.safeParse(ServerMessage, json)
  return parsed.success ? { message: parsed.output } : { error: v.summarize(parsed.issues) }
}

/** Pings every `intervalMs` and ends a connection silent for two intervals: a dead link may not close by itself. */
const keepAlive = (ws: WebSocket, intervalMs: number, log: Logger) => {
  let lastHeard = Date.now()
  ws.on('message', () => {
    lastHeard = Date.now()
  })
  const timer = setInterval(() => {
    if (Date.now() - lastHeard > 2 * intervalMs) {
      log.warn('platform stopped answering, reconnecting')
      ws.terminate()
    } else {
      ws.send('ping')
    }
  }, intervalMs)
  return () => clearInterval(timer)
}

/**
 * Keeps one WebSocket to the platform open: reconnects after any failure with exponential
 * backoff and full jitter, pings every 25 s and drops a connection that stops answering.
 * A 403 on the upgrade means the agent was rejected or revoked: the loop ends. `ws` is used
 * directly because each attempt needs its own `Authorization` header, which partysocket
 * can't set (it calls `new WebSocket(url, protocols)`).
 */
export const openConnection = (options: ConnectionOptions): Connection => {
  const { log, pingIntervalMs = 25_000, stableAfterMs = 30_000, handshakeTimeoutMs = 15_000 } = options
  let stopped = false
  let socket: WebSocket | undefined
  let wake: (() => void) | undefined

  const attempt = (headers: Record<string, string>): Promise<Attempt> =>
    new Promise((resolve) => {
      const ws = new WebSocket(options.url, {
        headers,
        handshakeTimeout: handshakeTimeoutMs,
        maxPayload: MAX_FRAME_BYTES,
        // Compression costs the platform about 220 KiB per connection and doubles a broadcast's
        // latency (bench:agents); frames are small JSON, and output is batched already.
        perMessageDeflate: false,
      })
      socket = ws
      let openedAt: number | undefined
      let refusal: { status: number; message: string } | undefined
      let stopKeepAlive = () => {}

      ws.on('unexpected-response', (_request, response) => {
        void readBody(response).then((body) => {
          refusal = describeRefusal(response.statusCode ?? 0, body)
          if (refusal.status === 401) {
            log.warn('platform refused the agent credentials, retrying; check this machine clock', {
              ...refusal,
              agent_time: new Date().toISOString(),
            })
          } else if (refusal.status !== 403) {
            log.warn('platform refused the connection, retrying', refusal)
          }
          ws.terminate()
        })
      })
      ws.on('open', () => {
        openedAt = Date.now()
        log.info('connected', { url: options.url })
        stopKeepAlive = keepAlive(ws, pingIntervalMs, log)
        options.onOpen((text) => ws.send(text))
      })
      ws.on('message', (data, isBinary) => {
        const text = data.toString()
        if (isBinary || text === 'pong') return
        const read = readServerMessage(text)
        if (!('message' in read))
          return log.warn('unreadable message from the platform', { error: read.error })
        const message = read.message
        if (message.type === 'error' && (REFUSAL_CODES as readonly string[]).includes(message.code)) {
          // Refused for good: stop now instead of waiting for the closing handshake.
          refusal = { status: 403, message: message.message }
          ws.terminate()
          return
        }
        try {
          options.onMessage(read.message)
        } catch (error) {
          // One message the agent can't act on (a full disk, say) must not take the connection down.
          log.error('could not handle a platform message', {
            type: read.message.type,
            error: errorMessage(error),
          })
        }
      })
      ws.on('error', (error) => {
        if (!refusal && !stopped) log.warn('connection failed', { error: errorMessage(error) })
      })
      ws.on('close', (code, reason) => {
        stopKeepAlive()
        socket = undefined
        if (openedAt !== undefined) {
          log.info('disconnected', { code, reason: reason.toString() })
          options.onClose()
        }
        if (refusal?.status === 403) resolve({ kind: 'refused', message: refusal.message })
        else if (openedAt !== undefined) resolve({ kind: 'closed', openMs: Date.now() - openedAt })
        else resolve({ kind: 'failed' })
      })
    })

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  const loop = async (): Promise<ConnectionEnd> => {
    let failures = 0
    while (!stopped) {
      const headers = await options.headers()
      if (stopped) break
      const outcome = await attempt(headers)
      if (outcome.kind === 'refused') return { reason: 'refused', message: outcome.message }
      if (stopped) break
      if (outcome.kind === 'closed' && outcome.openMs >= stableAfterMs) failures = 0
      const delay = backoffDelay(failures++, options.backoff)
      log.info('reconnecting', { in_ms: delay })
      await sleep(delay)
    }
    return { reason: 'stopped' }
  }

  return {
    done: loop(),
    stop: () => {
      stopped = true
      wake?.()
      const open = socket
      if (!open) return
      open.close(1000, 'agent stopping')
      // A platform that doesn't answer the close handshake doesn't hold up shutdown.
      setTimeout(() => open.terminate(), 2000).unref()
    },
  }
}
