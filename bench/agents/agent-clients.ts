import { generateKeyPairSync } from 'node:crypto'
import { importPKCS8 } from 'jose'
import WebSocket from 'ws'
import {
  AGENT_VERSION_HEADER,
  MAX_FRAME_BYTES,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../schema/agent/protocol'
import { connectPath, signConnectToken } from './connect-token'
import { forEachLimited } from './limited'
import { type Census, monotonicMs, type PhaseResult, type SitewireTarget } from './messages'
import { lastData, type Receipts } from './receipts'

const HANDSHAKE_TIMEOUT_MS = 15_000
/** Upgrade answered but no `welcome`: the connection is given up, not left to linger. */
const WELCOME_TIMEOUT_MS = 30_000

interface SimulatedAgent {
  agentId: string
  key: CryptoKey
}

const newPhase = (): PhaseResult => ({ ok: 0, errors: 0, latenciesMs: [], doneAtMs: [] })

const failed = (phase: PhaseResult, error: unknown) => {
  phase.errors += 1
  phase.firstError ??= error instanceof Error ? error.message : String(error)
}

/** The type of a platform message, or undefined for `pong` and anything unreadable. */
const messageType = (data: WebSocket.RawData): string | undefined => {
  const text = data.toString()
  if (text === 'pong') return 'pong'
  try {
    return (JSON.parse(text) as ServerMessage).type
  } catch {
    return undefined
  }
}

/**
 * Simulated agents that are real to the platform: each has its own Ed25519 key, enrols with
 * the site's token, and connects with a fresh EdDSA JWT with the claims the real agent signs.
 * They hold their connection and record when a `refresh_facts` arrives; they do not answer it
 * with facts, so a round measures the fan-out alone. They do not ping either (the real agent
 * pings every 25 s): at 10,000 agents that is 400 pings a second, each compressed and
 * inflated at both ends, and whether that traffic overlapped a round depended on how long
 * connecting took (a first run: the clients' CPU per round 2.1 s with it, 0.8 s without).
 * Keep-alive is off on the MQTT side too, so no system carries keep-alive load in a round.
 */
export class AgentClients {
  readonly #agents: SimulatedAgent[] = []
  readonly #sockets: WebSocket[] = []
  #closing = false
  #closedUnexpectedly = 0
  #firstCloseReason: string | undefined
  readonly #received: Record<string, number> = {}

  constructor(
    private readonly label: string,
    private readonly receipts: Receipts,
  ) {}

  async enrol(target: SitewireTarget, count: number, concurrency: number, timeoutMs: number) {
    const phase = newPhase()
    const deadline = monotonicMs() + timeoutMs
    const { started } = await forEachLimited(count, concurrency, deadline, monotonicMs, async (index) => {
      const began = monotonicMs()
      try {
        // Key generation is inside the timing on purpose: a real agent makes its key as it enrols.
        const { publicKey, privateKey } = generateKeyPairSync('ed25519')
        const x = publicKey.export({ format: 'jwk' }).x
        if (!x) throw new Error('the generated key has no public part')
        const key = await importPKCS8(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'EdDSA')
        const response = await fetch(`${target.url}/v1/agents/enrol`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            token: target.enrolmentToken,
            public_key: x,
            hostname: `bench-${this.label}-${index}`,
          }),
          signal: AbortSignal.timeout(30_000),
        })
        const body = (await response.json().catch(() => undefined)) as { agent_id?: string } | undefined
        if (response.status !== 201 || !body?.agent_id) {
          throw new Error(`enrol answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`)
        }
        this.#agents.push({ agentId: body.agent_id, key })
        const done = monotonicMs()
        phase.ok += 1
        phase.latenciesMs.push(done - began)
        phase.doneAtMs.push(done)
      } catch (error) {
        failed(phase, error)
      }
    })
    for (let skipped = started; skipped < count; skipped += 1)
      failed(phase, new Error('enrol deadline passed'))
    return phase
  }

  async connect(target: SitewireTarget, concurrency: number, timeoutMs: number) {
    const url = `${target.url.replace(/^http/, 'ws')}${connectPath(target.siteId)}`
    return this.#connectAll(
      url,
      this.#agents.length,
      target.deflate,
      concurrency,
      timeoutMs,
      async (index) => {
        const agent = this.#agents[index] as SimulatedAgent
        return `Bearer ${await signConnectToken(agent.key, agent.agentId, target.siteId)}`
      },
    )
  }

  /** Connections to the bare workerd floor: the same client, with no enrolment and no JWT. */
  connectBare(url: string, count: number, deflate: boolean, concurrency: number, timeoutMs: number) {
    return this.#connectAll(url, count, deflate, concurrency, timeoutMs, async () => undefined)
  }

  async #connectAll(
    url: string,
    count: number,
    deflate: boolean,
    concurrency: number,
    timeoutMs: number,
    authorization: (index: number) => Promise<string | undefined>,
  ) {
    const phase = newPhase()
    const deadline = monotonicMs() + timeoutMs
    this.receipts.resize(count)
    this.#sockets.length = 0
    let connected = 0
    const { started } = await forEachLimited(count, concurrency, deadline, monotonicMs, async (index) => {
      const began = monotonicMs()
      try {
        const socket = await this.#open(url, await authorization(index), index, deflate)
        this.#sockets.push(socket)
        phase.extensions ??= socket.extensions || 'none'
        connected += 1
        this.receipts.expect(connected)
        const done = monotonicMs()
        phase.ok += 1
        phase.latenciesMs.push(done - began)
        phase.doneAtMs.push(done)
      } catch (error) {
        failed(phase, error)
      }
    })
    for (let skipped = started; skipped < count; skipped += 1)
      failed(phase, new Error('connect deadline passed'))
    return phase
  }

  /** Opens one agent connection and resolves on its `welcome`, as the real agent's session starts. */
  #open(url: string, authorization: string | undefined, slot: number, deflate: boolean): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: {
          ...(authorization ? { authorization } : {}),
          [AGENT_VERSION_HEADER]: 'bench',
          [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        },
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: MAX_FRAME_BYTES,
        perMessageDeflate: deflate,
      })
      let welcomed = false
      let arrivedAt = () => Number.NaN
      ws.once('upgrade', (response) => {
        arrivedAt = lastData(response.socket)
      })
      const giveUp = setTimeout(() => {
        reject(new Error(`no welcome within ${WELCOME_TIMEOUT_MS / 1000} s`))
        ws.terminate()
      }, WELCOME_TIMEOUT_MS)
      ws.on('message', (data) => {
        const at = monotonicMs()
        const type = messageType(data)
        this.#received[type ?? 'unreadable'] = (this.#received[type ?? 'unreadable'] ?? 0) + 1
        if (type === 'refresh_facts') this.receipts.record(slot, at, arrivedAt())
        else if (type === 'welcome' && !welcomed) {
          welcomed = true
          clearTimeout(giveUp)
          resolve(ws)
        }
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
        if (this.#closing) return
        this.#closedUnexpectedly += 1
        this.#firstCloseReason ??= `${code} ${reason.toString()}`
      })
    })
  }

  census(): Census {
    const open = this.#sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length
    return {
      open,
      closedUnexpectedly: this.#closedUnexpectedly,
      ...(this.#firstCloseReason ? { firstCloseReason: this.#firstCloseReason } : {}),
      received: { ...this.#received },
    }
  }

  close() {
    this.#closing = true
    for (const socket of this.#sockets) socket.terminate()
  }
}
