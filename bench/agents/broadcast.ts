import { type LatencySummary, summarize } from '../lib/stats'
import type { ClientPool } from './client-pool'
import { monotonicMs, type RoundResult } from './messages'
import type { AgentsPlan } from './plan'

export interface BroadcastRound {
  round: number
  /** Clients connected when the round was armed. */
  expected: number
  received: number
  /** From just before the send call to each client library handing the message over, ms. */
  latencyMs: LatencySummary
  /** From just before the send call to the message's bytes reaching each client's socket, ms. */
  atSocketMs: LatencySummary
  /** From just before the send call to its answer (the 202, or the publish written), ms. */
  sendAnsweredMs: number
  /** CPU the client workers used from arming to the round's end, ms, summed: a busy client delays receipts. */
  clientCpuMs: number
  /** The longest pre-round collection in a client worker, ms. */
  clientGcMs: number
  /** What the system said it sent to (the platform's `agents`), when it says. */
  recipients?: number
}

export interface BroadcastOutcome {
  rounds: BroadcastRound[]
  /** The round whose p99 is the median of the rounds' p99s: the one reported. */
  median: BroadcastRound
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Sends one message to every client, `plan.rounds` times with a pause between. Each client
 * notes when the message reached it, on the machine-wide monotonic clock, and the latency
 * is that minus the moment just before `send` was called here.
 */
export const runBroadcasts = async (
  pool: ClientPool,
  plan: AgentsPlan,
  send: () => Promise<{ recipients?: number }>,
): Promise<BroadcastOutcome> => {
  const rounds: BroadcastRound[] = []
  for (let round = 1; round <= plan.rounds; round += 1) {
    await pool.all(() => ({ cmd: 'arm', round }), 5_000)
    const settled = pool.all<RoundResult>(
      () => ({ cmd: 'await-round', round, timeoutMs: plan.roundTimeoutMs }),
      plan.roundTimeoutMs,
    )
    // The wait request must reach the workers before the broadcast can; they are idle, so 100 ms is plenty.
    await sleep(100)
    const sentAt = monotonicMs()
    const answer = await send()
    const sendAnsweredMs = monotonicMs() - sentAt
    const results = await settled
    const latencies = results.flatMap((r) => r.receivedAtMs.map((at) => at - sentAt))
    const atSocket = results.flatMap((r) => r.arrivedAtMs.map((at) => at - sentAt))
    rounds.push({
      round,
      expected: results.reduce((sum, r) => sum + r.expected, 0),
      received: latencies.length,
      latencyMs: summarize(latencies),
      atSocketMs: summarize(atSocket),
      sendAnsweredMs,
      clientCpuMs: results.reduce((sum, r) => sum + r.cpuMs, 0),
      clientGcMs: Math.max(...results.map((r) => r.gcMs)),
      ...(answer.recipients === undefined ? {} : { recipients: answer.recipients }),
    })
    const last = rounds.at(-1) as BroadcastRound
    console.error(
      `  broadcast ${round}: ${last.received}/${last.expected} received, p50 ${last.latencyMs.p50.toFixed(1)} ms, ` +
        `p99 ${last.latencyMs.p99.toFixed(1)} ms, max ${last.latencyMs.max.toFixed(1)} ms ` +
        `(at the socket: p50 ${last.atSocketMs.p50.toFixed(1)} ms, p99 ${last.atSocketMs.p99.toFixed(1)} ms; ` +
        `client CPU ${last.clientCpuMs.toFixed(0)} ms, gc before ${last.clientGcMs.toFixed(0)} ms)`,
    )
    if (round < plan.rounds) await sleep(plan.pauseMs)
  }
  // A round that missed clients ranks as the worst: its p99 over the clients it reached would flatter it.
  const rank = (r: BroadcastRound) => (r.received < r.expected ? Number.POSITIVE_INFINITY : r.latencyMs.p99)
  const byP99 = [...rounds].sort((a, b) => rank(a) - rank(b))
  return { rounds, median: byP99[Math.floor(byP99.length / 2)] as BroadcastRound }
}
