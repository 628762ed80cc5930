import type { BenchEvent } from '../log/bench-events'

/** The answer to one timed request: its status and how long it took, from just before the send to the body read. */
export interface Timed<T> {
  status: number
  ms: number
  body: T
}

/**
 * The admin calls of the resources bench (consumers, resources, plain appends), over the
 * global fetch's keep-alive pool.
 */
export class ResourcesApi {
  constructor(
    readonly url: string,
    private readonly adminKey: string,
  ) {}

  async createConsumer(siteId: string, name: string, agentId: string): Promise<string> {
    const answer = await this.timed<{ id: string }>('POST', `/v1/sites/${siteId}/consumers`, {
      name,
      agent_id: agentId,
    })
    if (answer.status !== 201) throw new Error(`consumer create answered ${answer.status}`)
    return answer.body.id
  }

  /** A File resource for one consumer, as test/e2e/resources.test.ts creates one. */
  createFile(siteId: string, consumerId: string, name: string, path: string, content: string) {
    return this.timed<{ id: string }>('POST', `/v1/sites/${siteId}/resources`, {
      consumer_id: consumerId,
      name,
      manifest: { kind: 'File', path, content, mode: '0640' },
      update_strategy: 'Update',
    })
  }

  /** One structured CloudEvent appended to the site's log: the peer of one create. */
  append(siteId: string, event: BenchEvent) {
    return this.timed<unknown>('POST', `/v1/sites/${siteId}/events`, event, 'application/cloudevents+json')
  }

  async timed<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Timed<T>> {
    const began = performance.now()
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    })
    const text = await response.text()
    return { status: response.status, ms: performance.now() - began, body: JSON.parse(text || 'null') as T }
  }
}
