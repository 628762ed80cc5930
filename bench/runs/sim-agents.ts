import WebSocket from 'ws'
import { stepFinished, stepOutput, stepStarted } from '../../agent/frames'
import type { AgentFrame, ServerMessage } from '../../schema/agent/protocol'
import { forEachLimited } from '../agents/limited'
import { monotonicMs } from '../agents/messages'
import { enrolSimAgent, openSimAgentSocket, type SimIdentity, SimOutbox } from '../lib/sim-agent'
import type { PhaseResult, SiteTarget } from './messages'
import { RunLedger } from './run-receipts'
import { agentChunks, type OutputPlan, printedText } from './step-output'

/** The real agent pings this often (agent/connection.ts). */
const PING_INTERVAL_MS = 25_000

type StepMessage = Extract<ServerMessage, { type: 'step' }>

/** One simulated agent: who it is, its connection, and its outbox. */
interface Agent extends SimIdentity {
  socket?: WebSocket
  outbox: SimOutbox
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
        const identity = await enrolSimAgent(
          target.url,
          target.enrolmentToken,
          `bench-runs-${this.label}-${index}`,
        )
        this.#agents.push({ ...identity, outbox: new SimOutbox(), finishing: new Map() })
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
          agent.socket = await openSimAgentSocket({
            url: target.url,
            siteId: target.siteId,
            identity: agent,
            version: 'bench-runs',
            deflate: target.deflate,
            outbox: agent.outbox,
            onMessage: (message) => this.#handle(agent, message),
            onClose: (code, reason) => {
              if (this.#closing) return
              this.#closedUnexpectedly += 1
              this.#firstCloseReason ??= `${code} ${reason}`
            },
          })
          this.#keepAlive(agent.socket)
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

  #handle(agent: Agent, message: ServerMessage) {
    switch (message.type) {
      case 'step':
        return this.#answer(agent, message)
      case 'ack':
        for (const id of message.ids) this.#settled(agent, id)
        return agent.outbox.pump(agent.socket)
      case 'error': {
        // A refused frame is gone for good or until a reconnect the bench never makes: counted, and out of the window.
        const runId = message.event_id ? agent.finishing.get(message.event_id) : undefined
        this.ledger.failed(runId ?? 'unattributed', `${message.code}: ${message.message}`)
        if (message.event_id) {
          agent.outbox.settle(message.event_id)
          agent.finishing.delete(message.event_id)
        }
        return agent.outbox.pump(agent.socket)
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
    agent.outbox.pump(agent.socket)
  }

  #submit(agent: Agent, frame: AgentFrame, runId: string) {
    const text = JSON.stringify(frame)
    const receipts = this.ledger.of(runId)
    receipts.frames += 1
    receipts.wireBytes += Buffer.byteLength(text)
    agent.outbox.push(frame.id, text)
  }

  #settled(agent: Agent, id: string) {
    agent.outbox.settle(id)
    const runId = agent.finishing.get(id)
    if (runId === undefined) return
    agent.finishing.delete(id)
    this.ledger.done(runId, monotonicMs())
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
