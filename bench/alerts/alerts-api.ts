import { RunsApi } from '../runs/runs-api'

/** What `POST …/integrations` answers once: where to post and with which secret. */
export interface CreatedIntegration {
  id: string
  hook_path: string
  secret: string
}

/** The admin calls the alerts bench makes beyond bench:runs' (sites, tokens, tasks, the log). */
export class AlertsApi extends RunsApi {
  readonly #url: string
  readonly #key: string

  constructor(url: string, adminKey: string) {
    super(url, adminKey)
    this.#url = url
    this.#key = adminKey
  }

  createIntegration(siteId: string): Promise<CreatedIntegration> {
    return this.#post(`/v1/sites/${siteId}/integrations`, 201, {
      name: 'alertmanager',
      settings: { kind: 'alertmanager' },
    })
  }

  async createRule(siteId: string, rule: Record<string, unknown>): Promise<string> {
    return (await this.#post<{ id: string }>(`/v1/sites/${siteId}/rules`, 201, rule)).id
  }

  async #post<T>(path: string, expected: number, body: unknown): Promise<T> {
    const response = await fetch(`${this.#url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    })
    const text = await response.text()
    if (response.status !== expected)
      throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 300)}`)
    return JSON.parse(text) as T
  }
}
