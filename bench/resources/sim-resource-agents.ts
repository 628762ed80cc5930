import { generateKeyPairSync } from 'node:crypto'
import { importPKCS8 } from 'jose'
import WebSocket from 'ws'
import { resourceStatusReported } from '../../agent/frames'
import { MessageBatch } from '../../agent/message-batch'
import { SEND_WINDOW } from '../../agent/outbox'
import { conditionsOf } from '../../agent/resources/resource-status'
import {
  AGENT_VERSION_HEADER,
  MAX_FRAME_BYTES,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../schema/agent/protocol'
import type { DesiredResource } from '../../schema/resources/desired'
import { connectPath, signConnectToken } from '../agents/connect-token'
import { forEachLimited } from '../agents/limited'

const HANDSHAKE_TIMEOUT_MS = 15_000
const WELCOME_TIMEOUT_MS = 30_000

type ResourcesMessage = Extract<ServerMessage, { type: 'resources' }>

/** One simulated agent: its key, its socket, the set it is assembling, what it reported, its outbox. */
interface Agent {
  agentId: string
  key: CryptoKey
  socket?: WebSocket
  batchBytes: number
  pendingSet?: { set: string; parts: DesiredResource[][] }
  /** Per resource: the version last reported applied, and the report counter. */
  reported: Map<string, { version: number; report: number }>
  waiting: { id: string; text: string }[]
  inFlight: Set<string>
}

/**
 * Simulated agents that are real to the platform (the enrolment, keys and JWTs of
 * bench/agents) and keep resources as agent/resources does, minus touching the host: on each
 * complete desired set, every resource at a version not yet reported gets one
 * `resource.status_reported` frame with the conditions the agent's own `conditionsOf` makes
 * for a manifest just applied (Applied=True), through an outbox of at most SEND_WINDOW frames
 * awaiting their ack, several to a message as the welcome's `batch_bytes` allows.
 */
export class SimResourceAgents {
  readonly agents: Agent[] = []
  #closing = false
  closedUnexpectedly = 0
  refused = 0
  firstRefusal: string | undefined

  async enrol(url: string, token: string, count: number, concurrency: number, deadline: number) {
    const errors: string[] = []
    await forEachLimited(count, concurrency, deadline, performance.now.bind(performance), async (index) => {
      try {
        const { publicKey, privateKey } = generateKeyPairSync('ed25519')
        const x = publicKey.export({ format: 'jwk' }).x
        if (!x) throw new Error('the generated key has no public part')
        const key = await importPKCS8(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'EdDSA')
        const response = await fetch(`${url}/v1/agents/enrol`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, public_key: x, hostname: `bench-resources-${index}` }),
          signal: AbortSignal.timeout(30_000),
        })
        const body = (await response.json().catch(() => undefined)) as { agent_id?: string } | undefined
        if (response.status !== 201 || !body?.agent_id) throw new Error(`enrol answered ${response.status}`)
        this.agents.push({
          agentId: body.agent_id,
          key,
          batchBytes: 0,
          reported: new Map(),
          waiting: [],
          inFlight: new Set(),
        })
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error))
      }
    })
    if (this.agents.length < count)
      throw new Error(`${this.agents.length} of ${count} agents enrolled; first error: ${errors[0]}`)
  }

  async connect(url: string, siteId: string, concurrency: number, deadline: number) {
    const wsUrl = `${url.replace(/^http/, 'ws')}${connectPath(siteId)}`
    const errors: string[] = []
    await forEachLimited(
      this.agents.length,
      concurrency,
      deadline,
      performance.now.bind(performance),
      async (index) => {
        const agent = this.agents[index] as Agent
        try {
          const token = await signConnectToken(agent.key, agent.agentId, siteId)
          agent.socket = await this.#open(agent, wsUrl, siteId, `Bearer ${token}`)
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error))
        }
      },
    )
    const open = this.agents.filter((agent) => agent.socket).length
    if (open < this.agents.length)
      throw new Error(`${open} of ${this.agents.length} agents connected; first error: ${errors[0]}`)
  }

  #open(agent: Agent, url: string, siteId: string, authorization: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      // `ws` with its defaults, as the real agent (agent/connection.ts): permessage-deflate offered.
      const ws = new WebSocket(url, {
        headers: {
          authorization,
          [AGENT_VERSION_HEADER]: 'bench-resources',
          [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        },
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: MAX_FRAME_BYTES,
      })
      let welcomed = false
      const giveUp = setTimeout(() => {
        reject(new Error(`no welcome within ${WELCOME_TIMEOUT_MS / 1000} s`))
        ws.terminate()
      }, WELCOME_TIMEOUT_MS)
      ws.on('message', (data) => {
        const text = data.toString()
        if (text === 'pong') return
        const message = JSON.parse(text) as ServerMessage
        if (message.type === 'welcome' && !welcomed) {
          welcomed = true
          agent.batchBytes = message.batch_bytes ?? 0
          clearTimeout(giveUp)
          resolve(ws)
        } else this.#handle(agent, siteId, message)
      })
      ws.on('unexpected-response', (_request, response) => {
        reject(new Error(`connect answered ${response.statusCode}`))
        ws.terminate()
      })
      ws.on('error', (error) => {
        if (!welcomed) reject(error)
      })
      ws.on('close', (code, reason) => {
        clearTimeout(giveUp)
        if (!welcomed) return reject(new Error(`closed before welcome: ${code} ${reason.toString()}`))
        if (!this.#closing) this.closedUnexpectedly += 1
      })
    })
  }

  #handle(agent: Agent, siteId: string, message: ServerMessage) {
    switch (message.type) {
      case 'resources':
        return this.#desiredPart(agent, siteId, message)
      case 'ack':
        for (const id of message.ids) agent.inFlight.delete(id)
        return this.#pump(agent)
      case 'error':
        this.refused += 1
        this.firstRefusal ??= `${message.code}: ${message.message}`
        if (message.event_id) agent.inFlight.delete(message.event_id)
        return this.#pump(agent)
    }
  }

  /** Parts of a set wait for the rest, as agent/session.ts assembles them. */
  #desiredPart(agent: Agent, siteId: string, message: ResourcesMessage) {
    if (agent.pendingSet?.set !== message.set) agent.pendingSet = { set: message.set, parts: [] }
    agent.pendingSet.parts[message.part - 1] = message.resources
    if (agent.pendingSet.parts.filter((part) => part !== undefined).length < message.parts) return
    const desired = agent.pendingSet.parts.flat()
    agent.pendingSet = undefined
    this.#applied(agent, siteId, desired)
  }

  #applied(agent: Agent, siteId: string, desired: readonly DesiredResource[]) {
    const now = new Date().toISOString()
    for (const resource of desired) {
      if (resource.deleting) continue
      const before = agent.reported.get(resource.resource_id)
      if (before && before.version === resource.version) continue
      const report = (before?.report ?? 0) + 1
      agent.reported.set(resource.resource_id, { version: resource.version, report })
      const conditions = conditionsOf(
        [{ applied: true, changed: true, available: true, message: 'wrote the file', observed: {} }],
        { values: {}, unsynced: [] },
        { version: resource.version, appliedVersion: before?.version ?? null, previous: [], now },
      )
      const frame = resourceStatusReported(
        { site_id: siteId, agent_id: agent.agentId },
        {
          resource_id: resource.resource_id,
          report,
          observed_version: resource.version,
          conditions,
          feedback: {},
          deleted: false,
        },
      )
      agent.waiting.push({ id: frame.id, text: JSON.stringify(frame) })
    }
    this.#pump(agent)
  }

  #pump(agent: Agent) {
    const socket = agent.socket
    if (!socket || socket.readyState !== WebSocket.OPEN) return
    const batch = new MessageBatch(agent.batchBytes, (message) => socket.send(message))
    while (agent.inFlight.size < SEND_WINDOW && agent.waiting.length > 0) {
      const next = agent.waiting.shift() as { id: string; text: string }
      agent.inFlight.add(next.id)
      batch.add(next.text)
    }
    batch.flush()
  }

  close() {
    this.#closing = true
    for (const agent of this.agents) agent.socket?.terminate()
  }
}
