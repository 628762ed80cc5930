import { APPEND_SCENARIOS, type AppendRow, type PhaseTiming, runAppendScenarios } from './append-scenarios'
import type { EventFactory } from './bench-events'
import { openJetStream } from './jetstream-peer'
import { findNatsServer, startNatsServer } from './nats-server'
import { openSqliteLimit, type Synchronous } from './sqlite-limit'

/**
 * Plain SQLite in WAL mode, one writer, no concurrency (SQLite serialises writers anyway):
 * synchronous=NORMAL is the limit Sitewire is compared with; FULL (an fsync per commit)
 * is shown beside it for single events, where it makes the difference.
 */
export const measureSqliteLimit = async (events: EventFactory, timing: PhaseTiming): Promise<AppendRow[]> => {
  const runs: [Synchronous, number[]][] = [
    ['NORMAL', [1, 100]],
    ['FULL', [1]],
  ]
  const rows: AppendRow[] = []
  for (const [synchronous, batchSizes] of runs) {
    const sqlite = openSqliteLimit(events, synchronous)
    try {
      const scenarios = batchSizes.map((batchSize) => ({ batchSize, concurrency: 1 }))
      rows.push(...(await runAppendScenarios(sqlite.target, scenarios, timing)))
    } finally {
      sqlite.close()
    }
  }
  return rows
}

export type JetStreamOutcome =
  | { measured: true; version: string; rows: AppendRow[]; stream: { messages: number; bytes: number } }
  | { measured: false; reason: string }

/** Runs the JetStream peer on a private nats-server, or says plainly why it could not. */
export const measureJetStream = async (
  events: EventFactory,
  timing: PhaseTiming,
): Promise<JetStreamOutcome> => {
  const binary = findNatsServer()
  if (!binary) {
    return {
      measured: false,
      reason: 'nats-server is not installed (apt-get install -y nats-server): the JetStream peer was skipped',
    }
  }
  const server = await startNatsServer(binary)
  try {
    const jetstream = await openJetStream(server.url, server.pid, events)
    try {
      const rows = await runAppendScenarios(jetstream.target, APPEND_SCENARIOS, timing)
      return { measured: true, version: server.version, rows, stream: await jetstream.streamInfo() }
    } finally {
      await jetstream.close()
    }
  } finally {
    await server.stop()
  }
}
