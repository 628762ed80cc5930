import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { decodeJwt, importJWK, type JWTPayload, jwtVerify, SignJWT } from 'jose'
import { monotonicFactory } from 'ulid'
import * as v from 'valibot'
import { type WebSocket, WebSocketServer } from 'ws'
import {
  AgentFrame,
  EnrolBody,
  type Enrolled,
  MAX_AGENT_JWT_SECONDS,
  type ServerMessage,
} from '../../schema/agent/protocol'

const nextId = monotonicFactory()
const ENROLMENT_SECRET = new TextEncoder().encode('a test platform enrolment secret')

export interface ConnectAttempt {
  status: number
  claims?: JWTPayload
  headers: IncomingMessage['headers']
}

/**
 * A small stand-in for the platform, on 127.0.0.1: the enrol route and the agents' connect
 * route as the protocol describes them, with the platform's checks (body, JWT, frames), and
 * the file routes of push and fetch steps, which want an agent JWT for their own path.
 * Tests steer it through its public fields.
 */
export class TestPlatform {
  readonly siteId = nextId()
  readonly enrolments: EnrolBody[] = []
  readonly agents = new Map<string, string>()
  readonly attempts: ConnectAttempt[] = []
  /** Every valid frame received, resends included, in arrival order. */
  readonly received: AgentFrame[] = []
  readonly stored = new Map<string, AgentFrame>()
  readonly sockets = new Set<WebSocket>()
  /** Answer to the next upgrades other than 101, such as 401 or 403. */
  refuseWith: number | undefined
  agentStatus: 'pending' | 'approved' = 'approved'
  /** Whether to acknowledge a frame; unacknowledged frames stay in the agent's spool. */
  shouldAck: (frame: AgentFrame) => boolean = () => true
  /** Files push steps may download, by path. */
  readonly files = new Map<string, Buffer>()
  /** Files fetch steps uploaded, by path: any path under `uploadPrefix`. */
  readonly uploads = new Map<string, Buffer>()
  readonly uploadPrefix = `/v1/sites/${this.siteId}/uploads/`
  /** Every file request, with the status it got. */
  readonly transfers: { method: string; path: string; status: number }[] = []

  private readonly server = createServer((request, response) => void this.http(request, response))
  private readonly wss = new WebSocketServer({ noServer: true })

  static async start(): Promise<TestPlatform> {
    const platform = new TestPlatform()
    platform.server.on(
      'upgrade',
      (request, socket, head) => void platform.upgrade(request, socket as Socket, head),
    )
    await new Promise<void>((resolve) => platform.server.listen(0, '127.0.0.1', resolve))
    return platform
  }

  get url() {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  enrolmentToken(claims: { exp?: number; url?: string } = {}): Promise<string> {
    return new SignJWT({ url: claims.url ?? this.url, site: this.siteId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(nextId())
      .setAudience('sitewire-enrol')
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(ENROLMENT_SECRET)
  }

  /** Ends every open agent connection abruptly, as a crashed platform would. */
  dropConnections() {
    for (const socket of this.sockets) socket.terminate()
  }

  send(message: ServerMessage) {
    for (const socket of this.sockets) socket.send(JSON.stringify(message))
  }

  async close() {
    this.dropConnections()
    this.wss.close()
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  private async http(request: IncomingMessage, response: ServerResponse) {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    const path = request.url ?? ''
    if (request.method === 'GET' && this.files.has(path)) return this.download(request, response, path)
    if (request.method === 'PUT' && path.startsWith(this.uploadPrefix))
      return this.upload(request, response, path)
    if (request.method !== 'POST' || request.url !== '/v1/agents/enrol') {
      return reply(404, { error: { code: 'not_found', message: 'no such route' } })
    }
    let text = ''
    for await (const chunk of request) text += chunk
    const body = v.safeParse(EnrolBody, JSON.parse(text))
    if (!body.success)
      return reply(400, { error: { code: 'validation_failed', message: v.summarize(body.issues) } })
    try {
      await jwtVerify(body.output.token, ENROLMENT_SECRET, { audience: 'sitewire-enrol' })
    } catch {
      return reply(401, {
        error: { code: 'invalid_enrolment_token', message: 'the enrolment token is not valid' },
      })
    }
    this.enrolments.push(body.output)
    const agentId = nextId()
    this.agents.set(agentId, body.output.public_key)
    const enrolled: Enrolled = {
      agent_id: agentId,
      site_id: this.siteId,
      status: this.agentStatus,
      connect_url: `${this.url.replace(/^http/, 'ws')}/v1/sites/${this.siteId}/agents/connect`,
      signing_key: null,
    }
    reply(201, enrolled)
  }

  private async upgrade(request: IncomingMessage, socket: Socket, head: Buffer) {
    const refuse = (status: number, code: string) => {
      this.attempts.push({ status, headers: request.headers })
      const body = JSON.stringify({ error: { code, message: `refused: ${code}` } })
      socket.end(
        `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      )
    }
    const path = `/v1/sites/${this.siteId}/agents/connect`
    if (request.url !== path) return refuse(404, 'not_found')
    if (this.refuseWith) return refuse(this.refuseWith, this.refuseWith === 403 ? 'agent_revoked' : 'refused')
    const verified = await this.verifyAgent(request, path)
    if (!verified) return refuse(401, 'invalid_agent_credentials')
    const { claims, agentId } = verified
    this.attempts.push({ status: 101, claims, headers: request.headers })
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, agentId))
  }

  /** The agent a request's JWT names, if it verifies with that agent's key for `audience`. */
  private async verifyAgent(request: IncomingMessage, audience: string) {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
    try {
      const agentId = decodeJwt(token).sub ?? ''
      const x = this.agents.get(agentId)
      if (!x) throw new Error('unknown agent')
      const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x }, 'EdDSA')
      const { payload: claims } = await jwtVerify(token, key, {
        audience,
        algorithms: ['EdDSA'],
        subject: agentId,
      })
      if (!claims.exp || !claims.iat || claims.exp - claims.iat > MAX_AGENT_JWT_SECONDS)
        throw new Error('too long')
      return { agentId, claims }
    } catch {
      return undefined
    }
  }

  /** A file a push step downloads: only with an agent JWT for its path. */
  private async download(request: IncomingMessage, response: ServerResponse, path: string) {
    const verified = await this.verifyAgent(request, path)
    this.transfers.push({ method: 'GET', path, status: verified ? 200 : 401 })
    if (!verified) return response.writeHead(401).end()
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(this.files.get(path))
  }

  /** A file a fetch step uploads, kept in `uploads`. */
  private async upload(request: IncomingMessage, response: ServerResponse, path: string) {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const verified = await this.verifyAgent(request, path)
    this.transfers.push({ method: 'PUT', path, status: verified ? 201 : 401 })
    if (!verified) return response.writeHead(401).end()
    this.uploads.set(path, Buffer.concat(chunks))
    response.writeHead(201).end()
  }

  private accept(ws: WebSocket, agentId: string) {
    this.sockets.add(ws)
    ws.on('close', () => this.sockets.delete(ws))
    const send = (message: ServerMessage) => ws.send(JSON.stringify(message))
    send({
      type: 'welcome',
      agent_id: agentId,
      site_id: this.siteId,
      status: this.agentStatus,
      facts_interval_seconds: 300,
    })
    ws.on('message', (data) => {
      const text = data.toString()
      if (text === 'ping') return ws.send('pong')
      const frame = v.safeParse(AgentFrame, JSON.parse(text))
      if (!frame.success)
        return send({
          type: 'error',
          code: 'invalid_frame',
          message: v.summarize(frame.issues),
          event_id: null,
          retryable: false,
        })
      if (
        frame.output.source !== `/sites/${this.siteId}/agents/${agentId}` ||
        frame.output.data.agent_id !== agentId
      ) {
        return send({
          type: 'error',
          code: 'wrong_source',
          message: 'not this agent',
          event_id: frame.output.id,
          retryable: false,
        })
      }
      this.received.push(frame.output)
      if (!this.shouldAck(frame.output)) return
      if (!this.stored.has(frame.output.id)) this.stored.set(frame.output.id, frame.output)
      send({ type: 'ack', ids: [frame.output.id] })
    })
  }
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export const waitFor = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
