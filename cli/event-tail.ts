import ReconnectingWebSocket from 'partysocket/ws'
import * as v from 'valibot'
import WebSocket from 'ws'
import { LoggedEvent } from '../schema/events/cloudevent'
import type { ApiClient } from './api-client'
import { issueLines } from './errors'

/**
 * Streams a site's log over its WebSocket: the backlog after `after`, then each new event. On
 * a dropped connection it reconnects after the last `seq` seen, so nothing is missed or repeated.
 */
export const tailEvents = (
  client: ApiClient,
  siteId: string,
  options: { after?: number | undefined; type?: string | undefined },
  onEvent: (event: LoggedEvent) => void,
  onInvalid: (problems: string[]) => void,
): { closed: Promise<void>; close(): void } => {
  let lastSeq = options.after
  const url = () => {
    const endpoint = client.endpoint(`/v1/sites/${siteId}/events/stream`, {
      after: lastSeq,
      type: options.type,
    })
    endpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:'
    return endpoint.href
  }
  const headers = client.authHeaders()
  /** ws with the caller's credentials: a browser's WebSocket could not send them. */
  class AuthenticatedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers })
    }
  }
  const socket = new ReconnectingWebSocket(url, [], {
    WebSocket: AuthenticatedWebSocket,
    maxReconnectionDelay: 10_000,
  })
  socket.addEventListener('message', (message) => {
    const result = v.safeParse(LoggedEvent, JSON.parse(String(message.data)))
    if (!result.success) return onInvalid(issueLines(result.issues))
    lastSeq = result.output.seq
    onEvent(result.output)
  })
  const closed = new Promise<void>((resolve) => {
    socket.addEventListener('close', () => {
      if (socket.shouldReconnect === false) resolve()
    })
  })
  return {
    closed,
    close: () => socket.close(),
  }
}
