import { connect, type NatsConnection, StorageType } from 'nats'
import type { AppendTarget } from './append-scenarios'
import type { EventFactory } from './bench-events'

const STREAM = 'BENCH'
const SUBJECT = 'bench.events'

/**
 * The peer: acknowledged JetStream publishes to a file-backed stream. Each message carries the
 * event id as Nats-Msg-Id, so JetStream does the same duplicate check the log does. A batch is
 * 100 publishes in flight at once, awaited together: JetStream has no atomic batch append.
 */
export const openJetStream = async (url: string, serverPid: number, events: EventFactory) => {
  const nc: NatsConnection = await connect({ servers: url })
  const jsm = await nc.jetstreamManager()
  await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], storage: StorageType.File })
  const js = nc.jetstream()
  const encoder = new TextEncoder()
  const publish = (event: ReturnType<EventFactory['next']>) =>
    js.publish(SUBJECT, encoder.encode(JSON.stringify({ ...event, time: new Date().toISOString() })), {
      msgID: event.id,
    })

  const target: AppendTarget = {
    system: 'jetstream',
    variant: 'file storage, acked publish',
    appendOne: () => publish(events.next()),
    appendBatch: (size) => Promise.all(events.batch(size).map(publish)),
    watch: { pids: [serverPid] },
  }
  return {
    target,
    async streamInfo() {
      const info = await jsm.streams.info(STREAM)
      return { messages: info.state.messages, bytes: info.state.bytes }
    },
    close: () => nc.close(),
  }
}
