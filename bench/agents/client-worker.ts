import { serveCommands } from '../lib/fork-pool'
import { AgentClients } from './agent-clients'
import type { Command } from './client-pool'
import { monotonicMs } from './messages'
import { MqttClients } from './mqtt-clients'
import { sumCensus } from './phase'
import { Receipts } from './receipts'

/**
 * One client process of the bench: it holds its share of the simulated agents or of the MQTT
 * subscribers and answers the main process's requests. Several run side by side so the
 * clients' CPU is spread over the machine's cores the same way for both systems.
 */
const label = process.env.BENCH_CLIENT_LABEL ?? String(process.pid)
const receipts = new Receipts()
const agents = new AgentClients(label, receipts)
const subscribers = new MqttClients(label, receipts)

const handle = async (request: Command): Promise<unknown> => {
  switch (request.cmd) {
    case 'enrol':
      return agents.enrol(request.target, request.count, request.concurrency, request.timeoutMs)
    case 'connect-agents':
      return agents.connect(request.target, request.concurrency, request.timeoutMs)
    case 'connect-bare':
      return agents.connectBare(
        request.url,
        request.count,
        request.deflate,
        request.concurrency,
        request.timeoutMs,
      )
    case 'connect-mqtt':
      return subscribers.connect(request.target, request.count, request.concurrency, request.timeoutMs)
    case 'arm':
      // A major collection in a worker holding 5,000 connections takes long enough to show up
      // as latency; done now, it does not land inside the round, for any of the systems.
      {
        const began = monotonicMs()
        globalThis.gc?.()
        receipts.arm(request.round, monotonicMs() - began)
      }
      return null
    case 'await-round':
      return receipts.settle(request.round, request.timeoutMs)
    case 'census':
      return sumCensus([agents.census(), subscribers.census()])
    case 'close':
      agents.close()
      subscribers.close()
      return null
  }
}

serveCommands<Command>(handle)
