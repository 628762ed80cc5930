import type { LoggedEvent } from '../../schema/events'
import type { EventLog } from './event-log'
import { sendFrame } from './send-frame'

export const STREAM_TAG = 'events'
/** Events sent to one socket per turn before yielding, so a long backlog can't starve the object. */
const PUMP_BUDGET = 2000
const PAGE = 500

/** Kept on each socket, so it survives hibernation. */
interface StreamAttachment {
  kind: 'events'
  /** The last `seq` this socket was sent (or skipped by its type filter). */
  sent: number
  type: string | null
}

/**
 * Live event streams to watchers over hibernatable WebSockets. A socket first gets the
 * backlog after its `after` cursor and then every new event; both come from one cursor
 * per socket, so there is no gap or repeat between backlog and live.
 */
export class EventStreams {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly log: EventLog,
  ) {}

  open(after: number | undefined, type: string | undefined): Response {
    const { 0: client, 1: server } = new WebSocketPair()
    this.ctx.acceptWebSocket(server, [STREAM_TAG])
    const attachment: StreamAttachment = { kind: 'events', sent: after ?? this.log.head, type: type ?? null }
    server.serializeAttachment(attachment)
    this.pump(server)
    return new Response(null, { status: 101, webSocket: client })
  }

  get count() {
    return this.ctx.getWebSockets(STREAM_TAG).length
  }

  /** Sends freshly appended events to every socket that is caught up, and pumps the rest. */
  publish(events: readonly LoggedEvent[]) {
    const first = events[0]
    const sockets = this.ctx.getWebSockets(STREAM_TAG)
    // Serialised only for someone: a step's output is most of what is appended, and often nobody follows.
    if (!first || sockets.length === 0) return
    const frames = events.map((event) => ({ event, frame: JSON.stringify(event) }))
    for (const socket of sockets) {
      const attachment = socket.deserializeAttachment() as StreamAttachment
      if (attachment.sent !== first.seq - 1) {
        this.pump(socket)
        continue
      }
      for (const { event, frame } of frames) {
        if (attachment.type === null || attachment.type === event.type) sendFrame(socket, frame)
      }
      attachment.sent = first.seq - 1 + events.length
      socket.serializeAttachment(attachment)
    }
  }

  /** Sends what the socket has not had yet, a budget at a time. */
  private pump(socket: WebSocket) {
    const attachment = socket.deserializeAttachment() as StreamAttachment
    let budget = PUMP_BUDGET
    while (attachment.sent < this.log.head && budget > 0) {
      const limit = Math.min(PAGE, budget)
      const page = this.log.read(attachment.sent, limit, attachment.type ?? undefined)
      for (const event of page) sendFrame(socket, JSON.stringify(event))
      budget -= limit
      attachment.sent = page.length < limit ? this.log.head : (page.at(-1)?.seq ?? this.log.head)
    }
    socket.serializeAttachment(attachment)
    if (attachment.sent < this.log.head) setTimeout(() => this.pump(socket), 0)
  }
}
