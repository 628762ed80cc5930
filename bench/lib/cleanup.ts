type Cleanup = () => Promise<void>

const pending = new Set<Cleanup>()
let installed = false

/**
 * Registers work that must happen even when the run is interrupted: the servers a bench
 * starts run in their own process groups, so Ctrl-C on the bench would not reach them.
 * Returns a function that runs the cleanup now and forgets it.
 */
export const onInterrupt = (cleanup: Cleanup): Cleanup => {
  if (!installed) {
    installed = true
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, async () => {
        await Promise.allSettled([...pending].map((run) => run()))
        process.exit(130)
      })
    }
  }
  pending.add(cleanup)
  return async () => {
    if (!pending.delete(cleanup)) return
    await cleanup()
  }
}
