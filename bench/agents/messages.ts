/**
 * What the bench's main process and its client workers say to each other over the IPC
 * channel. Every request carries an id and gets exactly one answer with the same id.
 */

/** A Sitewire agent the worker is to enrol: its place in the run. */
export interface SitewireTarget {
  /** The platform's base URL, http://127.0.0.1:port. */
  url: string
  siteId: string
  enrolmentToken: string
  /**
   * Offer permessage-deflate, which workerd accepts. The real agent does not; on only to show
   * what compression would cost.
   */
  deflate: boolean
}

export interface MqttTarget {
  url: string
  topic: string
}

export type Request =
  /** Generate `count` Ed25519 keys and enrol each as an agent, `concurrency` at a time. */
  | {
      id: number
      cmd: 'enrol'
      target: SitewireTarget
      count: number
      concurrency: number
      timeoutMs: number
    }
  /** Open a WebSocket for every enrolled agent and wait for each one's `welcome`. */
  | { id: number; cmd: 'connect-agents'; target: SitewireTarget; concurrency: number; timeoutMs: number }
  /** Open `count` WebSockets to the bare workerd floor and wait for each one's `welcome`. */
  | {
      id: number
      cmd: 'connect-bare'
      url: string
      count: number
      deflate: boolean
      concurrency: number
      timeoutMs: number
    }
  /** Connect `count` MQTT clients and subscribe each to the topic at QoS 0. */
  | {
      id: number
      cmd: 'connect-mqtt'
      target: MqttTarget
      count: number
      concurrency: number
      timeoutMs: number
    }
  /** Forget earlier receipts: the next broadcast is round `round`. */
  | { id: number; cmd: 'arm'; round: number }
  /** Answer once every client received round `round`, or after `timeoutMs` with what arrived. */
  | { id: number; cmd: 'await-round'; round: number; timeoutMs: number }
  /** How many connections are still open, and how many closed unexpectedly. */
  | { id: number; cmd: 'census' }
  /** Close every connection. */
  | { id: number; cmd: 'close' }

/** The result of one phase of connections, from one worker. */
export interface PhaseResult {
  ok: number
  errors: number
  firstError?: string
  /** Per operation, ms, request to answer (enrol) or upgrade to welcome / subscribe ack. */
  latenciesMs: number[]
  /** When each operation finished, on the shared monotonic clock (ms): shows a slowdown as N grows. */
  doneAtMs: number[]
  /** The WebSocket extensions the server accepted (e.g. permessage-deflate), as the first connection saw them. */
  extensions?: string
}

export interface RoundResult {
  round: number
  expected: number
  /** When the client library handed the message over, on the shared monotonic clock, ms; one per client that got it. */
  receivedAtMs: number[]
  /** When the bytes carrying it reached the client's socket, same clock. */
  arrivedAtMs: number[]
  /** CPU the worker process used from arming to the end of the round (all its threads), ms. */
  cpuMs: number
  /** How long the collection before the round took, ms (outside the round). */
  gcMs: number
}

export interface Census {
  open: number
  closedUnexpectedly: number
  firstCloseReason?: string
  /** Messages the clients received so far, by type (`pong` included): anything unexpected shows here. */
  received: Record<string, number>
}

/**
 * Milliseconds on CLOCK_MONOTONIC, which every process on the machine shares: a receipt time
 * taken in a worker and a send time taken in the main process are directly comparable.
 */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6

/** The message broadcast on both sides: what the platform sends every agent on a facts refresh. */
export const BROADCAST_PAYLOAD = JSON.stringify({ type: 'refresh_facts' })
