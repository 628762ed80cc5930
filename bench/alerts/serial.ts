import type { Pool } from 'undici'
import { type LatencySummary, summarize } from '../lib/stats'
import type { Target } from './rows'

/**
 * Sends `count` requests one at a time (each after the last is answered): what one delivery
 * costs with nothing queued in front of it, i.e. the platform's service time for it.
 */
export const serialLatency = async (
  pool: Pool,
  target: Target,
  contentType: string,
  expected: number,
  body: () => string,
  count: number,
  timeoutMs: number,
): Promise<{ latencyMs: LatencySummary; errors: number; firstError?: string }> => {
  const samples: number[] = []
  let errors = 0
  let firstError: string | undefined
  const deadline = performance.now() + timeoutMs
  for (let i = 0; i < count && performance.now() < deadline; i += 1) {
    const began = performance.now()
    try {
      const response = await pool.request({
        method: 'POST',
        path: target.path,
        headers: { authorization: target.authorization, 'content-type': contentType },
        body: body(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      const text = await response.body.text()
      if (response.statusCode !== expected)
        throw new Error(`POST answered ${response.statusCode}: ${text.slice(0, 300)}`)
      samples.push(performance.now() - began)
    } catch (error) {
      // Counted and reported, not fatal: the next request goes on a fresh connection.
      errors += 1
      firstError ??= (error as Error).message
    }
  }
  return { latencyMs: summarize(samples), errors, ...(firstError ? { firstError } : {}) }
}
