import { Pool } from 'undici'
import type { BenchEvent } from './bench-events'

/** What an append answers: the seq given to each event, in the order sent. */
export interface AppendAck {
  items: { id: string; source: string; seq: number; duplicate: boolean }[]
  head_seq: number
}

export interface SiteStatus {
  head_seq: number
  projected_seq: number | null
  lag: number | null
  projector: { state: string; last_error: string | null }
}

/**
 * The few calls the benchmark makes to the Sitewire API, over one keep-alive pool sized for
 * the highest concurrency, so connection set-up never lands inside a measured request.
 */
export class SitewireApi {
  readonly #pool: Pool
  readonly #auth: string

  constructor(url: string, adminKey: string, connections = 64) {
    this.#pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 60_000 })
    this.#auth = `Bearer ${adminKey}`
  }

  async createSite(name: string): Promise<string> {
    const site = await this.#call<{ id: string }>('POST', '/v1/sites', 'application/json', { name }, 201)
    return site.id
  }

  appendEvent(siteId: string, event: BenchEvent): Promise<AppendAck> {
    return this.#call('POST', `/v1/sites/${siteId}/events`, 'application/cloudevents+json', event, 201)
  }

  appendBatch(siteId: string, events: BenchEvent[]): Promise<AppendAck> {
    return this.#call('POST', `/v1/sites/${siteId}/events`, 'application/cloudevents-batch+json', events, 201)
  }

  status(siteId: string): Promise<SiteStatus> {
    return this.#call('GET', `/v1/sites/${siteId}/status`, undefined, undefined, 200)
  }

  close(): Promise<void> {
    return this.#pool.close()
  }

  async #call<T>(
    method: 'GET' | 'POST',
    path: string,
    contentType: string | undefined,
    body: unknown,
    expected: number,
  ): Promise<T> {
    const response = await this.#pool.request({
      method,
      path,
      headers: contentType
        ? { authorization: this.#auth, 'content-type': contentType }
        : { authorization: this.#auth },
      body: body === undefined ? null : JSON.stringify(body),
    })
    if (response.statusCode !== expected) {
      const text = await response.body.text()
      throw new Error(`${method} ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`)
    }
    return (await response.body.json()) as T
  }
}
