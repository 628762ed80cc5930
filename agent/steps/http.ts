import type { HttpStep } from '../../schema/tasks/steps'
import type { StepContext } from './context'
import { explain, StepProblem, type StepResult } from './result'

/** Most of a response body shown as output. */
export const MAX_RESPONSE_BYTES = 64 * 1024

/**
 * Calls an endpoint from this machine. The output is the status line, then the start of the
 * body; the step succeeds when the status is one of `expect_status`.
 */
export const runHttp = async (step: HttpStep, ctx: StepContext): Promise<StepResult> => {
  ctx.started(null)
  let response: Response
  try {
    response = await fetch(step.url, {
      method: step.method,
      headers: step.headers,
      body: step.body,
      signal: ctx.signal,
    })
  } catch (error) {
    throw new StepProblem('failed', `could not call ${step.url}: ${explain(error)}`)
  }
  ctx.output.write('stdout', `HTTP ${response.status} ${response.statusText}\n`)
  let truncated = false
  if (response.body) {
    let read = 0
    const reader = response.body.getReader()
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        const room = MAX_RESPONSE_BYTES - read
        ctx.output.write('stdout', Buffer.from(chunk.value.subarray(0, room)))
        read += Math.min(room, chunk.value.length)
        if (chunk.value.length > room) {
          truncated = true
          break
        }
      }
    } catch (error) {
      throw new StepProblem('failed', `reading the response of ${step.url} failed: ${explain(error)}`)
    } finally {
      await reader.cancel().catch(() => undefined)
    }
  }
  const shown = truncated ? `only the first ${MAX_RESPONSE_BYTES} bytes of the body are shown` : null
  if (step.expect_status.includes(response.status))
    return { outcome: 'succeeded', exit_code: null, signal: null, message: shown }
  const mismatch = `HTTP ${response.status}, expected ${step.expect_status.join(' or ')}`
  return {
    outcome: 'failed',
    exit_code: null,
    signal: null,
    message: shown ? `${mismatch}; ${shown}` : mismatch,
  }
}
