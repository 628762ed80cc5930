import mqtt from 'mqtt'
import { onInterrupt } from '../lib/cleanup'
import type { CpuUse } from '../lib/cpu-meter'
import { sampleProcess } from '../lib/process-group'
import { type BroadcastOutcome, runBroadcasts } from './broadcast'
import { type ClientPool, shares, startClientPool } from './client-pool'
import { meterCpu } from './cpu'
import { BROADCAST_PAYLOAD, type Census, type MqttTarget, monotonicMs, type PhaseResult } from './messages'
import { findMosquitto, startMosquitto } from './mosquitto'
import { type PhaseSummary, sumCensus, summarizePhase } from './phase'
import type { AgentsPlan } from './plan'

export interface MosquittoRun {
  subscribers: number
  version: string
  connect: PhaseSummary
  census: { afterConnect: Census; afterBroadcasts: Census }
  /** The broker's resident memory, MiB. */
  memoryMiB: { beforeClients: number; afterConnect: number; afterBroadcasts: number }
  broadcast: BroadcastOutcome
  cpu: { connect: CpuUse; broadcasts: CpuUse }
}

export type MosquittoOutcome = ({ measured: true } & MosquittoRun) | { measured: false; reason: string }

const TOPIC = 'sites/bench/agents'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const rssMiB = (pid: number) => Number(((sampleProcess(pid)?.rssKiB ?? 0) / 1024).toFixed(1))

/**
 * The peer: `subscribers` MQTT clients on one topic of a private Mosquitto, laid out over the
 * same client workers as the agents, and the same message published to the topic.
 */
export const measureMosquitto = async (subscribers: number, plan: AgentsPlan): Promise<MosquittoOutcome> => {
  const binary = findMosquitto()
  if (!binary) {
    return {
      measured: false,
      reason: 'mosquitto is not installed (apt-get install -y mosquitto): the MQTT peer was skipped',
    }
  }
  const broker = await startMosquitto(binary)
  console.error(`mosquitto ${broker.version}, ${subscribers} subscribers: broker on ${broker.url}`)
  let pool: ClientPool | undefined
  let publisher: mqtt.MqttClient | undefined
  const stop = onInterrupt(async () => {
    publisher?.end(true)
    await pool?.stop()
    await broker.stop()
  })
  try {
    const target: MqttTarget = { url: broker.url, topic: TOPIC }
    pool = await startClientPool(plan.clientWorkers)
    const split = shares(subscribers, pool.size)
    const perWorker = Math.max(1, Math.round(plan.connectConcurrency / split.length))
    const beforeClients = rssMiB(broker.pid)
    const watch = { pids: [broker.pid, ...pool.pids] }

    console.error(`  connecting ${subscribers} subscribers (${plan.connectConcurrency} at a time)`)
    let cpu = meterCpu(watch)
    const timeoutMs = plan.connectTimeoutMs(subscribers)
    const started = monotonicMs()
    const parts = await pool.all<PhaseResult>(
      (w) => ({ cmd: 'connect-mqtt', target, count: split[w] ?? 0, concurrency: perWorker, timeoutMs }),
      timeoutMs,
    )
    const connect = summarizePhase(started, monotonicMs(), parts)
    const connectCpu = cpu()
    console.error(`  subscribed ${connect.ok} in ${connect.seconds.toFixed(1)} s (${connect.errors} errors)`)
    if (connect.firstError) console.error(`  first connect error: ${connect.firstError}`)

    await sleep(plan.settleMs)
    const afterConnect = rssMiB(broker.pid)
    const censusAfterConnect = sumCensus(await pool.all<Census>(() => ({ cmd: 'census' }), 10_000))
    console.error(`  ${censusAfterConnect.open} open; mosquitto RSS ${afterConnect} MiB`)

    // The publisher sits in the main process, where the platform's POST is sent from.
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'bench-publisher', reconnectPeriod: 0 })
    const sender = publisher
    cpu = meterCpu(watch)
    const broadcast = await runBroadcasts(pool, plan, async () => {
      await sender.publishAsync(TOPIC, BROADCAST_PAYLOAD, { qos: 0 })
      return {}
    })
    const broadcastCpu = cpu()
    const censusAfterBroadcasts = sumCensus(await pool.all<Census>(() => ({ cmd: 'census' }), 10_000))
    console.error(`  the clients received, by type: ${JSON.stringify(censusAfterBroadcasts.received)}`)
    return {
      measured: true,
      subscribers,
      version: broker.version,
      connect,
      census: { afterConnect: censusAfterConnect, afterBroadcasts: censusAfterBroadcasts },
      memoryMiB: { beforeClients, afterConnect, afterBroadcasts: rssMiB(broker.pid) },
      broadcast,
      cpu: { connect: connectCpu, broadcasts: broadcastCpu },
    }
  } finally {
    await stop()
  }
}
