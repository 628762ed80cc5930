import WebSocket from 'ws'
import type { ResourceStatusReported } from '../../schema/events/resource'

const STATUS_REPORTED = 'io.sitewire.resource.status_reported'

/** A status report as the stream shows it, with the time this process read it. */
export interface SeenReport {
  atMs: number
  reason: string
}

/**
 * The site's event stream (`GET /v1/sites/{id}/events/stream?type=…status_reported`), read
 * from the head on: the time a resource's `Applied=True` is visible is the time its report
 * arrives here, i.e. once the site's log has committed it and sent it to its readers.
 * Per resource it keeps the first Applied=True, and every report after it (drift repairs).
 */
export class StatusStream {
  readonly applied = new Map<string, number>()
  readonly reports = new Map<string, SeenReport[]>()
  #socket: WebSocket | undefined
  #waiters: (() => void)[] = []

  async open(url: string, adminKey: string, siteId: string, after: number) {
    const query = `after=${after}&type=${encodeURIComponent(STATUS_REPORTED)}`
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/sites/${siteId}/events/stream?${query}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    })
    socket.on('message', (data) => this.#read(data.toString()))
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`the event stream answered ${response.statusCode}`)),
      )
    })
    this.#socket = socket
  }

  #read(text: string) {
    if (text === 'pong') return
    const atMs = performance.now()
    const event = JSON.parse(text) as { type: string; data: ResourceStatusReported }
    if (event.type !== STATUS_REPORTED) return
    const applied = event.data.conditions.find((c) => c.type === 'Applied' && c.status === 'True')
    if (!applied) return
    const id = event.data.resource_id
    if (!this.applied.has(id)) this.applied.set(id, atMs)
    const seen = this.reports.get(id) ?? []
    seen.push({ atMs, reason: applied.reason })
    this.reports.set(id, seen)
    for (const wake of this.#waiters.splice(0)) wake()
  }

  /** Resolves at the next report, or after `ms`, whichever comes first. */
  next(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.#waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  close() {
    this.#socket?.terminate()
  }
}
