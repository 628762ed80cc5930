/**
 * The few admin calls the bench makes, over the global fetch's keep-alive pool: the
 * broadcast's POST reuses a warm connection, so no TCP set-up lands inside a round.
 */
export class AdminApi {
  constructor(
    readonly url: string,
    private readonly adminKey: string,
  ) {}

  async createSite(name: string): Promise<string> {
    return (await this.#call<{ id: string }>('POST', '/v1/sites', 201, { name })).id
  }

  async createEnrolmentToken(siteId: string, maxUses: number): Promise<string> {
    const created = await this.#call<{ token: string }>('POST', `/v1/sites/${siteId}/enrolment-tokens`, 201, {
      max_uses: maxUses,
      expires_in_seconds: 24 * 3600,
    })
    return created.token
  }

  /** The platform's one message to every connected agent; answers how many it asked. */
  async refreshFacts(siteId: string): Promise<number> {
    return (await this.#call<{ agents: number }>('POST', `/v1/sites/${siteId}/agents/refresh-facts`, 202))
      .agents
  }

  /** Counts the site's agents the platform shows as online, a page of 1,000 at a time. */
  async countOnline(siteId: string): Promise<number> {
    let count = 0
    let cursor: string | null = null
    do {
      const query = `presence=online&limit=1000${cursor ? `&cursor=${cursor}` : ''}`
      const page: { items: unknown[]; next_cursor: string | null } = await this.#call(
        'GET',
        `/v1/sites/${siteId}/agents?${query}`,
        200,
      )
      count += page.items.length
      cursor = page.next_cursor
    } while (cursor)
    return count
  }

  async status(siteId: string): Promise<{ head_seq: number; projected_seq: number | null }> {
    return this.#call('GET', `/v1/sites/${siteId}/status`, 200)
  }

  async #call<T>(method: 'GET' | 'POST', path: string, expected: number, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    })
    const text = await response.text()
    if (response.status !== expected) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`)
    }
    return JSON.parse(text) as T
  }
}
