import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { ApiClient, Query } from './api-client'

/** How long to wait before resuming a dropped stream. */
const RECONNECT_DELAY_MS = 1000
/** Drops in a row after which following gives up. */
const MAX_RECONNECTS = 30

/**
 * Reads a server-sent event stream until `onEvent` says it is done. A dropped connection is
 * resumed with `Last-Event-ID`, so the server sends only what followed the last event seen.
 */
export const followEvents = async (
  client: ApiClient,
  path: string,
  query: Query,
  onEvent: (event: EventSourceMessage) => 'done' | undefined | Promise<'done' | undefined>,
): Promise<void> => {
  let lastEventId: string | undefined
  let drops = 0
  for (;;) {
    const response = await client.send('GET', path, {
      query,
      headers: {
        accept: 'text/event-stream',
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      },
    })
    let done = false
    const pending: EventSourceMessage[] = []
    const parser = createParser({ onEvent: (event) => pending.push(event) })
    try {
      const decoder = new TextDecoder()
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }))
        for (const event of pending.splice(0)) {
          if (event.id) lastEventId = event.id
          if ((await onEvent(event)) === 'done') done = true
        }
        if (done) return
        drops = 0
      }
    } catch (error) {
      if (++drops > MAX_RECONNECTS) throw error
    }
    // The stream ended without its end event: the connection dropped.
    if (++drops > MAX_RECONNECTS) throw new Error(`the stream of ${path} kept dropping`)
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS))
  }
}
