import type { StandardSchemaV1 } from '@standard-schema/spec'
import * as v from 'valibot'
import type { ErrorBody } from '../../schema/common'

/** HTTP statuses the API answers errors with; see the API conventions. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 411 | 413 | 415 | 422 | 426 | 429 | 500 | 503

/** The one error every layer throws; `renderError` turns it into the JSON error body. */
export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    }
  }
}

/** A refused request as an object answers it: the error's status and documented body, marked refused. */
export interface Refusal {
  status: ErrorStatus
  body: ErrorBody
  refused: true
}

/** The one place a refusal becomes the answer the API gives for it. */
export const refusal = (error: ApiError): Refusal => ({
  status: error.status,
  body: error.toBody(),
  refused: true,
})

export const apiError = (status: ErrorStatus, code: string, message: string, details?: unknown) =>
  new ApiError(status, code, message, details)

/** A validation failure as a 400 whose details name each field that failed, by dot path. */
export const validationError = (issues: readonly StandardSchemaV1.Issue[], what: string) =>
  new ApiError(
    400,
    'validation_failed',
    `invalid ${what}`,
    issues.map((issue) => ({
      path: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.'),
      message: issue.message,
    })),
  )

/** Parses with a valibot schema, or throws the 400 for `what`. */
export const parseOr400 = <S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> => {
  const result = v.safeParse(schema, input)
  if (!result.success) throw validationError(result.issues.map(toStandardIssue), what)
  return result.output
}

const toStandardIssue = (issue: v.BaseIssue<unknown>): StandardSchemaV1.Issue => ({
  message: issue.message,
  path: issue.path?.map((item) => ({ key: item.key as PropertyKey })),
})

export const notFound = (what: string) => apiError(404, 'not_found', `${what} not found`)
