import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { MaestroError } from '../../schema/api/maestro'
import type { ErrorBody } from '../../schema/common'

/** An error as maestro writes it: the status as `id` and `API-<status>` as `code`, the message as `reason`. */
export const maestroError = (status: number, reason: string, operationId?: string): MaestroError => ({
  kind: 'Error',
  id: String(status),
  href: `/api/maestro/errors/${status}`,
  code: `API-${status}`,
  reason,
  ...(operationId ? { operation_id: operationId } : {}),
})

/** Sends one of the API's own error bodies in maestro's shape, details folded into the reason. */
export const sendMaestroError = (c: Context, status: number, body: ErrorBody) => {
  const details = body.error.details === undefined ? '' : `: ${JSON.stringify(body.error.details)}`
  return c.json(
    maestroError(status, `${body.error.message}${details}`, c.get('requestId') as string | undefined),
    status as ContentfulStatusCode,
  )
}
