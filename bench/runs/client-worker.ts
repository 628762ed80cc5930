import { serveCommands } from '../lib/fork-pool'
import type { RunsCommand } from './messages'
import { NatsWorkers } from './nats-workers'
import { SimAgents } from './sim-agents'

/**
 * One client process of the runs bench: it holds its share of the simulated agents (or of
 * the peer's NATS workers) and answers the main process's commands. Two run side by side so
 * the clients' CPU is spread over the machine the same way for Sitewire and for the peer.
 */
const label = process.env.BENCH_CLIENT_LABEL ?? String(process.pid)
const agents = new SimAgents(label)
const workers = new NatsWorkers(label)

serveCommands<RunsCommand>(async (command) => {
  switch (command.cmd) {
    case 'enrol':
      return agents.enrol(command.target, command.count, command.concurrency, command.timeoutMs)
    case 'connect':
      return agents.connect(command.target, command.concurrency, command.timeoutMs)
    case 'configure':
      return agents.configure(command.output)
    case 'collect':
      return agents.ledger.collect(command.runId, command.timeoutMs)
    case 'census':
      return agents.census()
    case 'nats-connect':
      return workers.connect(command.url, command.count, command.concurrency, command.timeoutMs)
    case 'nats-configure':
      return workers.configure(command.output, command.mode)
    case 'nats-collect':
      return workers.ledger.collect(command.runId, command.timeoutMs)
    case 'close':
      agents.close()
      await workers.close()
      return null
  }
})
