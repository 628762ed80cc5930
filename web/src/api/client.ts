import createClient from 'openapi-fetch'
import type { paths } from './openapi'

/** The error body every API failure carries. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown }
}

/** An API call that failed, with what the platform said about it. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message)
  }

  static from(status: number, body: unknown) {
    const error = (body as Partial<ErrorBody> | undefined)?.error
    if (error && typeof error.code === 'string')
      return new ApiFailure(status, error.code, error.message, error.details)
    return new ApiFailure(status, 'http_error', `the platform answered HTTP ${status}`, undefined)
  }
}

/** The typed API client: paths, parameters and bodies come from the generated OpenAPI types. */
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin, credentials: 'same-origin' })

/** Resolves with an operation's body, or throws its error body as an ApiFailure. */
export const ok = async <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
  const { data, error, response } = await call
  if (!response.ok) throw ApiFailure.from(response.status, error)
  return data as T
}
