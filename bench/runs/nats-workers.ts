import { connect, type JetStreamClient, type NatsConnection } from 'nats'
import { stepFinished, stepOutput, stepStarted } from '../../agent/frames'
import { SEND_WINDOW } from '../../agent/outbox'
import type { AgentFrame } from '../../schema/agent/protocol'
import { forEachLimited } from '../agents/limited'
import { monotonicMs } from '../agents/messages'
import { jobSubject, type NatsMode, outputSubject, type PhaseResult } from './messages'
import { RunLedger } from './run-receipts'
import { agentChunks, type OutputPlan, printedText } from './step-output'

interface Worker {
  name: string
  nc: NatsConnection
  js: JetStreamClient
}

/** A job as the dispatcher publishes it: which run, as the step message names it. */
export interface Job {
  run_id: string
  index: number
  attempt: number
}

const encoder = new TextEncoder()

/**
 * The peer's workers: one NATS connection each (as each agent has its own WebSocket), each
 * subscribed to its own job subject. A job is answered with exactly the frames a simulated
 * agent sends for a step (the same JSON, the same chunks), published on the run's subject:
 * plainly (`core`), or into a file-backed JetStream stream with at most SEND_WINDOW
 * publishes awaiting their PubAck (`jetstream`), as the agent's outbox waits for acks.
 */
export class NatsWorkers {
  readonly #workers: Worker[] = []
  readonly ledger = new RunLedger(() => this.#workers.length)
  #text = ''
  #mode: NatsMode = 'core'

  constructor(private readonly label: string) {}

  configure(output: OutputPlan, mode: NatsMode) {
    this.#text = printedText(output)
    this.#mode = mode
  }

  /** Connects and subscribes `count` workers; answers the phase and the workers' names (their job subjects). */
  async connect(
    url: string,
    count: number,
    concurrency: number,
    timeoutMs: number,
  ): Promise<PhaseResult & { names: string[] }> {
    const phase: PhaseResult = { ok: 0, errors: 0, latenciesMs: [], doneAtMs: [] }
    const deadline = monotonicMs() + timeoutMs
    await forEachLimited(count, concurrency, deadline, monotonicMs, async (index) => {
      const began = monotonicMs()
      try {
        const name = `${this.label}-${index}`
        const nc = await connect({ servers: url, name, timeout: 15_000 })
        const worker = { name, nc, js: nc.jetstream() }
        nc.subscribe(jobSubject(name), {
          callback: (error, message) => {
            if (error) return this.ledger.failed('unattributed', error.message)
            const job = message.json<Job>()
            this.ledger.of(job.run_id).receivedAtMs.push(monotonicMs())
            // Deferred as the simulated agents defer theirs: receipts measure dispatch, not this process's queue.
            setImmediate(() => void this.#answer(worker, job))
          },
        })
        // The subscription is live at the server once a round trip has passed.
        await nc.flush()
        this.#workers.push(worker)
        const done = monotonicMs()
        phase.ok += 1
        phase.latenciesMs.push(done - began)
        phase.doneAtMs.push(done)
      } catch (error) {
        phase.errors += 1
        phase.firstError ??= error instanceof Error ? error.message : String(error)
      }
    })
    return { ...phase, names: this.#workers.map((worker) => worker.name) }
  }

  async #answer(worker: Worker, job: Job) {
    const receipts = this.ledger.of(job.run_id)
    // The same sender shape as an agent's: the frames are byte for byte what Sitewire gets.
    const sender = { site_id: 'nats', agent_id: worker.name }
    const began = Date.now()
    const frames: AgentFrame[] = [stepStarted(sender, job, process.pid)]
    let chunk = 0
    agentChunks(this.#text, (lines) => frames.push(stepOutput(sender, job, chunk++, lines)))
    receipts.printedBytes += Buffer.byteLength(this.#text)
    frames.push(
      stepFinished(sender, job, {
        outcome: 'succeeded',
        exit_code: 0,
        signal: null,
        duration_ms: Date.now() - began,
        message: null,
      }),
    )
    const subject = outputSubject(job.run_id, worker.name)
    const payloads = frames.map((frame) => encoder.encode(JSON.stringify(frame)))
    receipts.frames += payloads.length
    receipts.wireBytes += payloads.reduce((sum, p) => sum + p.byteLength, 0)
    try {
      if (this.#mode === 'core') {
        for (const payload of payloads) worker.nc.publish(subject, payload)
        // Written to the server: all core NATS promises.
        await worker.nc.flush()
      } else {
        await forEachLimited(
          payloads.length,
          SEND_WINDOW,
          Number.POSITIVE_INFINITY,
          monotonicMs,
          async (i) => {
            await worker.js.publish(subject, payloads[i] as Uint8Array)
          },
        )
      }
      this.ledger.done(job.run_id, monotonicMs())
    } catch (error) {
      this.ledger.failed(job.run_id, error instanceof Error ? error.message : String(error))
    }
  }

  async close() {
    await Promise.allSettled(this.#workers.map((worker) => worker.nc.close()))
    this.#workers.length = 0
  }
}
