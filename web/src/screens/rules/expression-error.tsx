import { ApiFailure } from '../../api/client'

/** Where a refused expression goes wrong, as the API's 422 `invalid_expression` says. */
export interface ExpressionError {
  message: string
  line: number
  column: number
}

export const expressionErrorOf = (failure: unknown): ExpressionError | null => {
  if (!(failure instanceof ApiFailure) || failure.code !== 'invalid_expression') return null
  const details = (failure.details ?? {}) as {
    message?: string
    position?: { line?: number; column?: number }
  }
  return {
    message: details.message ?? failure.message,
    line: details.position?.line ?? 1,
    column: details.position?.column ?? 1,
  }
}

/** The expression's line at fault, with a caret under the column. */
const pointAt = (expression: string, error: ExpressionError) => {
  const line = expression.split('\n')[error.line - 1] ?? ''
  return `${line}\n${' '.repeat(Math.max(0, error.column - 1))}^`
}

/** A refused expression's problem, shown beside its field (which `id` describes). */
export const ExpressionProblem = (props: { id: string; expression: string; error: ExpressionError }) => (
  <div id={props.id} class="field-error" role="alert">
    <strong>
      Line {props.error.line}, column {props.error.column}: {props.error.message}
    </strong>
    <pre>{pointAt(props.expression, props.error)}</pre>
  </div>
)
