import { generateKeyPairSync } from 'node:crypto'
import { importPKCS8 } from 'jose'
import WebSocket from 'ws'
import { MessageBatch } from '../../agent/message-batch'
import { SEND_WINDOW } from '../../agent/outbox'
import {
  AGENT_VERSION_HEADER,
  MAX_FRAME_BYTES,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../schema/agent/protocol'
import { connectPath, signConnectToken } from '../agents/connect-token'

const HANDSHAKE_TIMEOUT_MS = 15_000
const WELCOME_TIMEOUT_MS = 30_000

/** An agent the platform knows: enrolled with a fresh Ed25519 key, as agent/enrol.ts does. */
export interface SimIdentity {
  agentId: string
  key: CryptoKey
}

/** Enrols one simulated agent with `token` under `hostname`; throws with the platform's answer when refused. */
export const enrolSimAgent = async (url: string, token: string, hostname: string): Promise<SimIdentity> => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const x = publicKey.export({ format: 'jwk' }).x
  if (!x) throw new Error('the generated key has no public part')
  const key = await importPKCS8(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'EdDSA')
  const response = await fetch(`${url}/v1/agents/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, public_key: x, hostname }),
    signal: AbortSignal.timeout(30_000),
  })
  const body = (await response.json().catch(() => undefined)) as { agent_id?: string } | undefined
  if (response.status !== 201 || !body?.agent_id)
    throw new Error(`enrol answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`)
  return { agentId: body.agent_id, key }
}

/**
 * Frames waiting and frames awaiting their ack, as agent/outbox.ts keeps them: at most
 * SEND_WINDOW in flight, several to a message as the welcome's `batch_bytes` allows.
 */
export class SimOutbox {
  batchBytes = 0
  readonly waiting: { id: string; text: string }[] = []
  readonly inFlight = new Set<string>()

  push(id: string, text: string) {
    this.waiting.push({ id, text })
  }

  settle(id: string) {
    this.inFlight.delete(id)
  }

  /** Sends what the window allows; frames pushed in one turn go out together. */
  pump(socket: WebSocket | undefined) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return
    const batch = new MessageBatch(this.batchBytes, (message) => socket.send(message))
    while (this.inFlight.size < SEND_WINDOW && this.waiting.length > 0) {
      const next = this.waiting.shift() as { id: string; text: string }
      this.inFlight.add(next.id)
      batch.add(next.text)
    }
    batch.flush()
  }
}

export interface SimSocketOptions {
  url: string
  siteId: string
  identity: SimIdentity
  /** Sent as the agent's version header: tells the bench's agents apart in the platform's views. */
  version: string
  /** Offer permessage-deflate, as `ws` does by default and the real agent therefore does. */
  deflate?: boolean
  outbox: SimOutbox
  /** Every message after the welcome. */
  onMessage: (message: ServerMessage) => void
  /** A close after the welcome. */
  onClose: (code: number, reason: string) => void
}

/**
 * Connects a simulated agent as agent/connection.ts does (a fresh JWT, the protocol headers)
 * and resolves at the welcome, whose `batch_bytes` it gives the outbox.
 */
export const openSimAgentSocket = async (options: SimSocketOptions): Promise<WebSocket> => {
  const { identity, siteId } = options
  const token = await signConnectToken(identity.key, identity.agentId, siteId)
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${options.url.replace(/^http/, 'ws')}${connectPath(siteId)}`, {
      headers: {
        authorization: `Bearer ${token}`,
        [AGENT_VERSION_HEADER]: options.version,
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      },
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: options.deflate ?? true,
    })
    let welcomed = false
    const giveUp = setTimeout(() => {
      reject(new Error(`no welcome within ${WELCOME_TIMEOUT_MS / 1000} s`))
      ws.terminate()
    }, WELCOME_TIMEOUT_MS)
    ws.on('message', (data) => {
      const text = data.toString()
      if (text === 'pong') return
      let message: ServerMessage
      try {
        message = JSON.parse(text) as ServerMessage
      } catch {
        return
      }
      if (message.type === 'welcome' && !welcomed) {
        welcomed = true
        options.outbox.batchBytes = message.batch_bytes ?? 0
        clearTimeout(giveUp)
        resolve(ws)
      } else options.onMessage(message)
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
      options.onClose(code, reason.toString())
    })
  })
}
