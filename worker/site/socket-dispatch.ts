import { apiError } from '../http/errors'
import { errorMessage, log } from '../lib/log'
import type { SiteFeature, SocketAttachment } from './feature'

/**
 * Hands each hibernatable socket's messages and closes to the feature of its kind (from its
 * attachment), each in a reactions turn; a socket of no feature's kind (the live event stream)
 * only sends.
 */
export class SocketDispatch {
  constructor(
    private readonly features: () => readonly SiteFeature[],
    private readonly turn: <R>(run: () => R) => R,
    private readonly siteId: () => string | null,
  ) {}

  message(socket: WebSocket, message: string | ArrayBuffer) {
    const attachment = socket.deserializeAttachment() as SocketAttachment | null
    const handler = this.handlerOf(attachment)
    if (handler && attachment) return this.turn(() => handler.message(socket, attachment, message))
    socket.send(
      JSON.stringify(
        apiError(400, 'read_only_stream', 'this stream only sends; use ping for keep-alive').toBody(),
      ),
    )
  }

  closed(socket: WebSocket, code: number, reason: string) {
    this.ended(socket, 'closed')
    try {
      socket.close(code === 1005 ? 1000 : code, reason)
    } catch {
      // Already closed by the runtime.
    }
  }

  failed(socket: WebSocket, error: unknown) {
    const attachment = this.ended(socket, 'error')
    log('warn', 'socket error', {
      site_id: this.siteId(),
      kind: attachment?.kind,
      error: errorMessage(error),
    })
  }

  private ended(socket: WebSocket, reason: 'closed' | 'error') {
    const attachment = socket.deserializeAttachment() as SocketAttachment | null
    const handler = this.handlerOf(attachment)
    if (handler && attachment) this.turn(() => handler.closed(socket, attachment, reason))
    return attachment
  }

  private handlerOf(attachment: SocketAttachment | null) {
    if (!attachment) return undefined
    return this.features().find((feature) => feature.sockets?.kind === attachment.kind)?.sockets
  }
}
