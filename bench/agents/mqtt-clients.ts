import mqtt, { type MqttClient } from 'mqtt'
import { forEachLimited } from './limited'
import { type Census, type MqttTarget, monotonicMs, type PhaseResult } from './messages'
import { lastData, type Receipts } from './receipts'

const CONNECT_TIMEOUT_MS = 30_000

/** The type of a received JSON message: the same check the simulated agents make. */
const messageType = (payload: Buffer): string | undefined => {
  try {
    return (JSON.parse(payload.toString()) as { type?: string }).type
  } catch {
    return undefined
  }
}

/**
 * The peer's clients: MQTT subscribers on one topic at QoS 0 (at most once, no ack, as the
 * platform's WebSocket send is), each on its own TCP connection, with mqtt.js's defaults
 * otherwise (MQTT 3.1.1), keep-alive off like the agents' pings, and reconnection turned off
 * so a failure shows.
 */
export class MqttClients {
  readonly #clients: MqttClient[] = []
  #closing = false
  #closedUnexpectedly = 0
  #firstCloseReason: string | undefined
  readonly #received: Record<string, number> = {}

  constructor(
    private readonly label: string,
    private readonly receipts: Receipts,
  ) {}

  async connect(target: MqttTarget, count: number, concurrency: number, timeoutMs: number) {
    const phase: PhaseResult = { ok: 0, errors: 0, latenciesMs: [], doneAtMs: [] }
    const deadline = monotonicMs() + timeoutMs
    this.receipts.resize(count)
    const { started } = await forEachLimited(count, concurrency, deadline, monotonicMs, async (index) => {
      const began = monotonicMs()
      try {
        this.#clients.push(await this.#subscribe(target, index))
        this.receipts.expect(this.#clients.length)
        const done = monotonicMs()
        phase.ok += 1
        phase.latenciesMs.push(done - began)
        phase.doneAtMs.push(done)
      } catch (error) {
        phase.errors += 1
        phase.firstError ??= error instanceof Error ? error.message : String(error)
      }
    })
    for (let skipped = started; skipped < count; skipped += 1) {
      phase.errors += 1
      phase.firstError ??= 'connect deadline passed'
    }
    return phase
  }

  /** One subscriber: connected and its subscription acknowledged, the MQTT twin of an agent's welcome. */
  #subscribe(target: MqttTarget, slot: number): Promise<MqttClient> {
    return new Promise((resolve, reject) => {
      const client = mqtt.connect(target.url, {
        clientId: `bench-${this.label}-${slot}`,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: CONNECT_TIMEOUT_MS,
        // No PINGREQ in a round, as the simulated agents send no pings (see AgentClients).
        keepalive: 0,
      })
      const arrivedAt = lastData(client.stream)
      let subscribed = false
      const fail = (error: Error) => {
        if (subscribed) return
        reject(error)
        client.end(true)
      }
      client.on('message', (_topic, payload) => {
        const at = monotonicMs()
        const type = messageType(payload) ?? 'unreadable'
        this.#received[type] = (this.#received[type] ?? 0) + 1
        if (type === 'refresh_facts') this.receipts.record(slot, at, arrivedAt())
      })
      client.once('connect', () => {
        client.subscribe(target.topic, { qos: 0 }, (error) => {
          if (error) return fail(error)
          subscribed = true
          resolve(client)
        })
      })
      client.on('error', fail)
      client.on('close', () => {
        if (!subscribed) return fail(new Error('closed before the subscription was acknowledged'))
        if (this.#closing) return
        this.#closedUnexpectedly += 1
        this.#firstCloseReason ??= 'connection closed'
      })
    })
  }

  census(): Census {
    return {
      open: this.#clients.filter((c) => c.connected).length,
      closedUnexpectedly: this.#closedUnexpectedly,
      ...(this.#firstCloseReason ? { firstCloseReason: this.#firstCloseReason } : {}),
      received: { ...this.#received },
    }
  }

  close() {
    this.#closing = true
    for (const client of this.#clients) client.end(true)
  }
}
