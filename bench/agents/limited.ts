/**
 * Runs `task` for every index in [0, count) with at most `concurrency` in flight, and stops
 * starting new ones once `deadline` (monotonic ms) has passed: a phase that cannot finish
 * still ends, and says how far it got.
 */
export const forEachLimited = async (
  count: number,
  concurrency: number,
  deadline: number,
  now: () => number,
  task: (index: number) => Promise<void>,
): Promise<{ started: number }> => {
  let next = 0
  const lane = async () => {
    while (next < count && now() < deadline) {
      const index = next
      next += 1
      await task(index)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane))
  return { started: next }
}

/** Rejects with `message` when `promise` has not settled within `ms`. */
export const withTimeout = <T>(promise: Promise<T>, ms: number, message: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
