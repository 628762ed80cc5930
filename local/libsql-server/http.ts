/**
 * Small HTTP helpers for node:http: bounded body reading, responses in the endpoint's encoding,
 * bearer-token checking and the CORS headers sqld sends (it allows any origin).
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from './errors'
import { encodeError } from './protobuf-encode'
import type { Encoding, HranaError } from './protocol'

/** Reads the whole body, failing with 413 as soon as it exceeds `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new HttpError(413, 'REQUEST_TOO_LARGE', `Request body is larger than ${limit} bytes`)
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(tooLarge())
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.length
      if (size > limit) {
        failed = true
        chunks.length = 0
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => failed || resolve(Buffer.concat(chunks, size)))
    req.on('error', (e) => failed || reject(e))
    // a client that disconnects mid-body never sends 'end'
    req.on('close', () => {
      if (!req.complete && !failed)
        reject(new HttpError(400, 'REQUEST_ABORTED', 'The request body was cut off'))
    })
  })
}

export function corsHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = { 'access-control-allow-origin': '*' }
  if (req.method === 'OPTIONS') {
    headers['access-control-allow-methods'] = 'GET, POST, OPTIONS'
    headers['access-control-allow-headers'] = req.headers['access-control-request-headers'] ?? '*'
    headers['access-control-max-age'] = '86400'
  }
  return headers
}

export function send(
  res: ServerResponse,
  status: number,
  contentType: string | undefined,
  body: string | Uint8Array = '',
): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(body) }
  if (contentType) headers['content-type'] = contentType
  res.writeHead(status, headers)
  res.end(body)
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body))
}

/** An error response: JSON `{"message","code"}`, or a protobuf `Error` on protobuf endpoints. */
export function sendError(res: ServerResponse, error: HttpError, encoding: Encoding): void {
  const body: HranaError = { message: error.message, code: error.code }
  if (error.status === 413) res.setHeader('connection', 'close')
  if (encoding === 'protobuf' && error.code === 'STREAM_EXPIRED') {
    send(res, error.status, 'application/x-protobuf', encodeError(body))
  } else {
    sendJson(res, error.status, body)
  }
}

/** Checks `Authorization: Bearer <token>` in constant time. */
export function isAuthorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true
  const match = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
  if (!match?.[1]) return false
  const given = Buffer.from(match[1].trim())
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * sqld's answer to a missing or wrong token: 401 with `{"error": ...}` (no `message` field, so the
 * client reports it as `SERVER_ERROR: Server returned HTTP status 401`, exactly as against sqld).
 */
export function sendUnauthorized(res: ServerResponse): void {
  sendJson(res, 401, { error: 'Unauthorized: `missing or invalid authorization token`' })
}
