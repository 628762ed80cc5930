import type { Run, RunDetail } from '../../schema/api/runs'
import { AdminApi } from '../agents/sitewire-api'

/** An event as the log lists it, reduced to what the timeline needs. */
export interface ListedEvent {
  seq: number
  type: string
  time: string
  source: string
  data: Record<string, unknown>
}

/**
 * The calls the runs bench makes beyond bench/agents' (sites, enrolment tokens, status):
 * tasks, runs, and the log, over the global fetch's keep-alive pool.
 */
export class RunsApi extends AdminApi {
  readonly #url: string
  readonly #key: string

  constructor(url: string, adminKey: string) {
    super(url, adminKey)
    this.#url = url
    this.#key = adminKey
  }

  async createTask(siteId: string, definition: Record<string, unknown>): Promise<string> {
    return (await this.#call<{ id: string }>('POST', `/v1/sites/${siteId}/tasks`, 201, definition)).id
  }

  requestRun(siteId: string, taskId: string, body: Record<string, unknown>): Promise<Run> {
    return this.#call('POST', `/v1/sites/${siteId}/tasks/${taskId}/runs`, 202, body)
  }

  /**
   * The task's newest run without its per-agent detail: what a poll needs (status, counts,
   * archive). `GET …/runs/{id}` also lists every target and step attempt with output
   * previews, which for 1,000 agents is a large answer built on the same thread the run uses.
   */
  async latestRun(siteId: string, taskId: string): Promise<Run | undefined> {
    const page = await this.#call<{ items: Run[] }>(
      'GET',
      `/v1/sites/${siteId}/runs?task_id=${taskId}&limit=1`,
      200,
    )
    return page.items[0]
  }

  run(siteId: string, runId: string): Promise<RunDetail> {
    return this.#call('GET', `/v1/sites/${siteId}/runs/${runId}`, 200)
  }

  /** Every event of `type` after `after`, a page of 1,000 at a time. */
  async events(siteId: string, type: string, after: number): Promise<ListedEvent[]> {
    const all: ListedEvent[] = []
    let from = after
    for (;;) {
      const page = await this.#call<{ items: ListedEvent[] }>(
        'GET',
        `/v1/sites/${siteId}/events?after=${from}&limit=1000&type=${encodeURIComponent(type)}`,
        200,
      )
      all.push(...page.items)
      const last = page.items.at(-1)
      if (!last || page.items.length < 1000) return all
      from = last.seq
    }
  }

  async #call<T>(method: 'GET' | 'POST', path: string, expected: number, body?: unknown): Promise<T> {
    const response = await fetch(`${this.#url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#key}`,
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
