import { generateKeyPairSync } from 'node:crypto'
import { importPKCS8 } from 'jose'
import WebSocket from 'ws'
import { stepFinished, stepOutput, stepStarted } from '../../agent/frames'
import { MessageBatch } from '../../agent/message-batch'
import { SEND_WINDOW } from '../../agent/outbox'
import {
  AGENT_VERSION_HEADER,
  type AgentFrame,
  MAX_FRAME_BYTES,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../schema/agent/protocol'
import { connectPath, signConnectToken } from '../agents/connect-token'
import { forEachLimited } from '../agents/limited'
import { monotonicMs } from '../agents/messages'
import type { PhaseResult, SiteTarget } from './messages'
import { RunLedger } from './run-receipts'
import { agentChunks, type OutputPlan, printedText } from './step-output'

const HANDSHAKE_TIMEOUT_MS = 15_000
const WELCOME_TIMEOUT_MS = 30_000
/** The real agent pings this often (agent/connection.ts). */
const PING_INTERVAL_MS = 25_000

type StepMessage = Extract<ServerMessage, { type: 'step' }>

/** One simulated agent: its key, its connection, and its outbox (frames waiting, frames awaiting their ack). */
interface Agent {
  agentId: string
  key: CryptoKey
  socket?: WebSocket
  /** The welcome's `batch_bytes`: several frames go in one message, as the real agent's outbox sends them. */
  batchBytes: number
  waiting: { id: string; text: string }[]
  inFlight: Set<string>
  /** `step.finished` frames awaiting their ack, and the run each ends. */
  finishing: Map<string, string>
}

const newPhase = (): PhaseResult => ({ ok: 0, errors: 0, latenciesMs: [], doneAtMs: [] })

const failed = (phase: PhaseResult, error: unknown) => {
  phase.errors += 1
  phase.firstError ??= error instanceof Error ? error.message : String(error)
}

/**
 * Simulated agents that are real to the platform (the same enrolment, keys and JWTs as
 * bench/agents) and answer a `step` as the real agent does: `step.started`, the output in
 * the chunks the agent's own batcher cuts, then `step.finished` succeeded, all through an
 * outbox with at most SEND_WINDOW (100) frames awaiting their ack, several to a message when
 * the welcome offers it, as agent/outbox.ts does.
 * They run no process: what is measured is the platform's side of a step.
 */
export class SimAgents {
  readonly #agents: Agent[] = []
  readonly #timers: NodeJS.Timeout[] = []
  readonly ledger = new RunLedger(() => this.#agents.filter((a) => a.socket).length)
  #text = ''
  #closing = false
  #closedUnexpectedly = 0
  #firstCloseReason: string | undefined
  #siteId = ''

  constructor(private readonly label: string) {}

  get agentIds() {
    return this.#agents.map((agent) => agent.agentId)
  }

  configure(output: OutputPlan) {
    this.#text = printedText(output)
  }

  async enrol(target: SiteTarget, count: number, concurrency: number, timeoutMs: number) {
    const phase = newPhase()
    this.#siteId = target.siteId
    const deadline = monotonicMs() + timeoutMs
    const { started } = await forEachLimited(count, concurrency, deadline, monotonicMs, async (index) => {
      const began = monotonicMs()
      try {
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
            hostname: `bench-runs-${this.label}-${index}`,
          }),
          signal: AbortSignal.timeout(30_000),
        })
        const body = (await response.json().catch(() => undefined)) as { agent_id?: string } | undefined
        if (response.status !== 201 || !body?.agent_id) {
          throw new Error(`enrol answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`)
        }
        this.#agents.push({
          agentId: body.agent_id,
          key,
          batchBytes: 0,
          waiting: [],
          inFlight: new Set(),
          finishing: new Map(),
        })
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
    return { ...phase, agentIds: this.agentIds }
  }

  async connect(target: SiteTarget, concurrency: number, timeoutMs: number) {
    const phase = newPhase()
    const url = `${target.url.replace(/^http/, 'ws')}${connectPath(target.siteId)}`
    const deadline = monotonicMs() + timeoutMs
    const { started } = await forEachLimited(
      this.#agents.length,
      concurrency,
      deadline,
      monotonicMs,
      async (index) => {
        const began = monotonicMs()
        const agent = this.#agents[index] as Agent
        try {
          const token = await signConnectToken(agent.key, agent.agentId, target.siteId)
          agent.socket = await this.#open(agent, url, `Bearer ${token}`, target.deflate)
          phase.extensions ??= agent.socket.extensions || 'none'
          const done = monotonicMs()
          phase.ok += 1
          phase.latenciesMs.push(done - began)
          phase.doneAtMs.push(done)
        } catch (error) {
          failed(phase, error)
        }
      },
    )
    for (let skipped = started; skipped < this.#agents.length; skipped += 1)
      failed(phase, new Error('connect deadline passed'))
    return phase
  }

  #open(agent: Agent, url: string, authorization: string, deflate: boolean): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: {
          authorization,
          [AGENT_VERSION_HEADER]: 'bench-runs',
          [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        },
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: MAX_FRAME_BYTES,
        perMessageDeflate: deflate,
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
          agent.batchBytes = message.batch_bytes ?? 0
          clearTimeout(giveUp)
          this.#keepAlive(ws)
          resolve(ws)
        } else this.#handle(agent, message)
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

  #handle(agent: Agent, message: ServerMessage) {
    switch (message.type) {
      case 'step':
        return this.#answer(agent, message)
      case 'ack':
        for (const id of message.ids) this.#settled(agent, id)
        return this.#pump(agent)
      case 'error': {
        // A refused frame is gone for good or until a reconnect the bench never makes: counted, and out of the window.
        const runId = message.event_id ? agent.finishing.get(message.event_id) : undefined
        this.ledger.failed(runId ?? 'unattributed', `${message.code}: ${message.message}`)
        if (message.event_id) {
          agent.inFlight.delete(message.event_id)
          agent.finishing.delete(message.event_id)
        }
        return this.#pump(agent)
      }
    }
  }

  /**
   * Does what the real agent does for a step, minus running a process. The receipt is noted
   * at once and the work deferred, so steps already read off other sockets are noted before
   * this one's output is made: the receipt times measure dispatch, not this process's queue.
   */
  #answer(agent: Agent, step: StepMessage) {
    const receipts = this.ledger.of(step.run_id)
    receipts.receivedAtMs.push(monotonicMs())
    setImmediate(() => this.#run(agent, step))
  }

  #run(agent: Agent, step: StepMessage) {
    const receipts = this.ledger.of(step.run_id)
    const sender = { site_id: this.#siteId, agent_id: agent.agentId }
    const ref = { run_id: step.run_id, index: step.index, attempt: step.attempt }
    const began = Date.now()
    this.#submit(agent, stepStarted(sender, ref, process.pid), step.run_id)
    let chunk = 0
    agentChunks(this.#text, (lines) =>
      this.#submit(agent, stepOutput(sender, ref, chunk++, lines), step.run_id),
    )
    receipts.printedBytes += Buffer.byteLength(this.#text)
    const end = stepFinished(sender, ref, {
      outcome: 'succeeded',
      exit_code: 0,
      signal: null,
      duration_ms: Date.now() - began,
      message: null,
    })
    agent.finishing.set(end.id, step.run_id)
    this.#submit(agent, end, step.run_id)
    // Frames made in one turn go out together, as the real agent's outbox sends them.
    this.#pump(agent)
  }

  #submit(agent: Agent, frame: AgentFrame, runId: string) {
    const text = JSON.stringify(frame)
    const receipts = this.ledger.of(runId)
    receipts.frames += 1
    receipts.wireBytes += Buffer.byteLength(text)
    agent.waiting.push({ id: frame.id, text })
  }

  #settled(agent: Agent, id: string) {
    agent.inFlight.delete(id)
    const runId = agent.finishing.get(id)
    if (runId === undefined) return
    agent.finishing.delete(id)
    this.ledger.done(runId, monotonicMs())
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

  /** Pings like the real agent, each on its own phase so pings don't land at once. */
  #keepAlive(ws: WebSocket) {
    const start = setTimeout(() => {
      const timer = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send('ping')
      }, PING_INTERVAL_MS)
      this.#timers.push(timer)
    }, Math.random() * PING_INTERVAL_MS)
    this.#timers.push(start)
  }

  census() {
    const open = this.#agents.filter((a) => a.socket?.readyState === WebSocket.OPEN).length
    return {
      open,
      closedUnexpectedly: this.#closedUnexpectedly,
      ...(this.#firstCloseReason ? { firstCloseReason: this.#firstCloseReason } : {}),
    }
  }

  close() {
    this.#closing = true
    for (const timer of this.#timers) clearTimeout(timer)
    for (const agent of this.#agents) agent.socket?.terminate()
  }
}
