import * as v from 'valibot'
import { ErrorBody } from '../schema/common'
import type { Credentials } from './config-file'
import { ApiFailure, CliError, EXIT, issueLines } from './errors'

export type Query = Record<string, string | number | boolean | undefined>

export interface RequestOptions {
  query?: Query
  /** Sent as JSON. */
  json?: unknown
  /** Sent as is (a file's bytes). */
  body?: BodyInit
  headers?: Record<string, string>
}

/** Where a user signs in with an email and password. */
export const SIGN_IN_PATH = '/v1/auth/sign-in'

/** The name of the cookie a sign-in sets. */
export const SESSION_COOKIE = 'sitewire_session'

/** The platform's HTTP API: authenticates each call and turns an error body into a CliError. */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly credentials: Credentials | undefined,
  ) {}

  /** Headers that prove who is calling. */
  authHeaders(): Record<string, string> {
    if (!this.credentials) return {}
    return this.credentials.type === 'key'
      ? { authorization: `Bearer ${this.credentials.key}` }
      : // A write with a session cookie names the platform as its Origin, as its own pages do.
        { cookie: `${SESSION_COOKIE}=${this.credentials.cookie}`, origin: new URL(this.url).origin }
  }

  endpoint(path: string, query: Query = {}) {
    const url = new URL(path, this.url)
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    return url
  }

  /** Any call; a non-2xx answer throws with the API's message. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.authHeaders(), ...options.headers }
    let body = options.body
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    }
    let response: Response
    try {
      response = await fetch(this.endpoint(path, options.query), { method, headers, body })
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message
      throw new CliError(`cannot reach ${this.url}: ${cause}`)
    }
    if (!response.ok) {
      // A refused sign-in is about the password given, not about credentials kept.
      const hint =
        path === SIGN_IN_PATH
          ? undefined
          : this.credentials
            ? 'sign in again with `sitewire login`'
            : 'log in first with `sitewire login`'
      throw await failureOf(response, hint)
    }
    return response
  }

  /** A call answering JSON, checked against the schema of its answer. */
  async json<S extends v.GenericSchema>(
    schema: S,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<v.InferOutput<S>> {
    const response = await this.send(method, path, options)
    const result = v.safeParse(schema, await response.json())
    if (!result.success) {
      throw new CliError(`the platform answered ${method} ${path} with an unexpected body`, EXIT.failure, [
        ...issueLines(result.issues),
        'is the CLI as new as the platform?',
      ])
    }
    return result.output
  }

  get<S extends v.GenericSchema>(schema: S, path: string, query?: Query) {
    return this.json(schema, 'GET', path, query ? { query } : {})
  }

  /** Every item of a list, following `next_cursor` when `all` is set. */
  async list<S extends v.GenericSchema>(
    itemSchema: S,
    path: string,
    query: Query,
    all: boolean,
  ): Promise<{ items: v.InferOutput<S>[]; next_cursor: string | null }> {
    const page = v.object({ items: v.array(itemSchema), next_cursor: v.nullable(v.string()) })
    const items: v.InferOutput<S>[] = []
    let cursor = query.cursor
    for (;;) {
      const answer = await this.get(page, path, { ...query, cursor })
      items.push(...answer.items)
      if (!all || answer.next_cursor === null) return { items, next_cursor: answer.next_cursor }
      cursor = answer.next_cursor
    }
  }
}

/** A refused call as a CliError: the API's message, a line per detail, and `hint401` for a 401. */
const failureOf = async (response: Response, hint401: string | undefined): Promise<CliError> => {
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return new CliError(`HTTP ${response.status}: ${text.slice(0, 200) || response.statusText}`)
  }
  const result = v.safeParse(ErrorBody, parsed)
  if (!result.success) return new CliError(`HTTP ${response.status}: ${text.slice(0, 200)}`)
  const { code, message, details } = result.output.error
  const lines = detailLines(details)
  if (response.status === 401 && hint401) lines.push(hint401)
  const retry = response.headers.get('retry-after')
  if (retry) lines.push(`retry after ${retry} s`)
  return new ApiFailure(`${message} (${response.status} ${code})`, response.status, code, lines, details)
}

const FieldDetail = v.object({ path: v.string(), message: v.string() })

/** Where in a text the API found a problem (a rule's expression). */
const PositionDetail = v.object({
  message: v.string(),
  position: v.object({ line: v.number(), column: v.number() }),
})

/** The API's `details`: field issues as `path: message`, anything else as JSON. */
const detailLines = (details: unknown): string[] => {
  if (details === undefined || details === null) return []
  if (Array.isArray(details)) {
    return details.map((detail) =>
      v.is(FieldDetail, detail)
        ? `${detail.path || '(top level)'}: ${detail.message}`
        : JSON.stringify(detail),
    )
  }
  if (v.is(PositionDetail, details))
    return [`at line ${details.position.line}, column ${details.position.column}: ${details.message}`]
  return [JSON.stringify(details)]
}
