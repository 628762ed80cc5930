import * as v from 'valibot'

/** Exit codes, so scripts can tell a refused request from a run that failed. */
export const EXIT = {
  ok: 0,
  /** The request failed: the platform refused it, or could not be reached. */
  failure: 1,
  /** The command line or an input file was wrong. */
  usage: 2,
  /** A followed run finished `failed`. */
  runFailed: 3,
  /** A followed run finished `cancelled` or `skipped`. */
  runNotRun: 4,
} as const

/** A failure the CLI explains in a sentence, with one line per detail, then exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    readonly details: readonly string[] = [],
  ) {
    super(message)
    this.name = 'CliError'
  }
}

/** A request the platform refused: its HTTP status and the API's error code, for callers that handle one. */
export class ApiFailure extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    details: readonly string[],
    /** The API's `details` as sent, for a command that shows them its own way. */
    readonly rawDetails?: unknown,
  ) {
    super(message, EXIT.failure, details)
    this.name = 'ApiFailure'
  }
}

/** valibot issues as `path: message` lines, the way the API's `details` read. */
export const issueLines = (issues: readonly v.BaseIssue<unknown>[]): string[] =>
  issues.map((issue) => `${v.getDotPath(issue) ?? '(top level)'}: ${issue.message}`)

/** Parses CLI input (a file, an option) with a schema, or fails with each issue on its own line. */
export const parseInput = <S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> => {
  const result = v.safeParse(schema, input)
  if (!result.success) throw new CliError(`invalid ${what}`, EXIT.usage, issueLines(result.issues))
  return result.output
}
